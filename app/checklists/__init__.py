"""Checklist templates: admins and leaders edit them; inspectors read the published ones."""
from flask import Blueprint

from app.auth.access import require_roles, roles_required
from app.models import Role

bp = Blueprint("checklists", __name__)
EDITORS = (Role.ADMIN, Role.LEADER)
# Unit heads see no templates; which templates an inspector may read is checked per template.
bp.before_request(require_roles(Role.ADMIN, Role.LEADER, Role.INSPECTOR))
editors_only = roles_required(*EDITORS)

from app.checklists import routes  # noqa: E402,F401
