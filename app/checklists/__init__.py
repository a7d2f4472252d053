"""Checklist templates: admins and leaders edit them; inspectors read the published ones."""
from flask import Blueprint, abort
from flask_login import current_user, login_required

from app.models import Role

bp = Blueprint("checklists", __name__)

EDITORS = (Role.ADMIN, Role.LEADER)
READERS = (Role.ADMIN, Role.LEADER, Role.INSPECTOR)


@bp.before_request
@login_required
def require_reader():
    """Unit heads see no templates; what an inspector may read is checked per template."""
    if not current_user.is_authenticated or current_user.role not in READERS:
        abort(403)


from app.checklists import routes  # noqa: E402,F401
