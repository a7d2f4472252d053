"""Administration: users, issuing bodies and the audit log. Administrators only."""
from flask import Blueprint

from app.auth.access import require_roles
from app.models import Role

bp = Blueprint("admin", __name__)
bp.before_request(require_roles(Role.ADMIN))

from app.admin import routes  # noqa: E402,F401
