"""In-app notifications: the bell in the header, the list, marking read. Every role has them."""
from flask import Blueprint, g
from flask_login import current_user

from app.auth.access import require_roles
from app.models import Role
from app.services.notifications import unread_count

bp = Blueprint("notifications", __name__)
bp.before_request(require_roles(*Role))


def unread_notifications() -> int:
    """The bell's count: one query, at most once per request, and only when a template shows the bell
    (htmx fragments that do not show it cost nothing)."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = unread_count(current_user)
    return g.unread_notifications


@bp.app_context_processor
def bell_context():
    return {"unread_notifications": unread_notifications}


from app.notifications import routes  # noqa: E402,F401
