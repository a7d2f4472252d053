"""Login, logout, own password and language; the Flask-Login hooks."""
import sqlalchemy as sa
from flask import Blueprint, make_response, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from app.extensions import db, login_manager
from app.htmx import hx_redirect, is_htmx
from app.models import User

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to continue.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


# Every request loads its user: one statement built once, cheaper than session.get() building its own.
USER_BY_ID = sa.select(User).where(User.id == sa.bindparam("user_id"))


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The session id is "<user id>.<session version>", so a password change ends old sessions."""
    user_id, _, version = session_id.partition(".")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.scalar(USER_BY_ID, {"user_id": int(user_id)})
    if user is None or user.session_version != int(version):
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    """A plain request is redirected; an htmx request gets 401 + HX-Redirect to a whole login page."""
    if is_htmx():
        current = request.headers.get("HX-Current-URL", "")
        next_path = _local_path(current) or request.full_path
        return hx_redirect(make_response("", 401), url_for("auth.login", next=next_path))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _local_path(url: str) -> str | None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not parts.path:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


from app.auth import routes  # noqa: E402,F401
