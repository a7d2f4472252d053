"""The unit registry, kept by administrators."""
from flask import Blueprint

from app.auth.access import require_roles
from app.models import Role

bp = Blueprint("units", __name__)
bp.before_request(require_roles(Role.ADMIN))

from app.units import routes  # noqa: E402,F401
