"""Inspections: planning, deciding, the team and the annual plan. What each user sees is filtered
per route by app.services.permissions (team members, leaders, and the inspected unit's head)."""
from flask import Blueprint

from app.auth.access import require_roles, roles_required
from app.models import Role
from app.services.permissions import MANAGERS

bp = Blueprint("inspections", __name__)
bp.before_request(require_roles(*Role))
managers_only = roles_required(*MANAGERS)

from app.inspections import routes  # noqa: E402,F401
from app.inspections import evidence  # noqa: E402,F401
