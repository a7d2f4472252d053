"""Administration: users, issuing bodies and the audit log. Administrators only."""
from flask import Blueprint, abort
from flask_login import current_user, login_required

from app.models import Role

bp = Blueprint("admin", __name__)


@bp.before_request
@login_required
def require_admin():
    # login_required lets OPTIONS through: an anonymous user has no role.
    if not current_user.is_authenticated or current_user.role != Role.ADMIN:
        abort(403)


from app.admin import routes  # noqa: E402,F401
