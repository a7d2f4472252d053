"""Oversight for leaders: the dashboard with its charts, the printable report, exports and the search box."""
from flask import Blueprint

from app.auth.access import require_roles
from app.models import Role

bp = Blueprint("reports", __name__)
bp.before_request(require_roles(*Role))

from app.reports import routes  # noqa: E402,F401
