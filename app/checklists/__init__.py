"""Checklist templates: admins and leaders edit them; inspectors read the published ones."""
from flask import Blueprint

from app.auth.access import require_roles, roles_required
from app.services.permissions import MANAGERS, STAFF

bp = Blueprint("checklists", __name__)
# Unit heads see no templates; which templates an inspector may read is checked per template.
bp.before_request(require_roles(*STAFF))
managers_only = roles_required(*MANAGERS)

from app.checklists import routes  # noqa: E402,F401
