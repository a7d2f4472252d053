"""Login, logout, own password and language; the Flask-Login hooks."""
from urllib.parse import urlsplit

from flask import Blueprint, make_response, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from app.extensions import login_manager
from app.htmx import hx_redirect, is_htmx
from app.models import User
from app.services import accounts

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to continue.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The cookie names the token of this device's session (User.get_id): a deleted or expired session
    logs the device out, and other devices keep theirs."""
    return accounts.user_for_session(token)


@login_manager.unauthorized_handler
def unauthorized():
    """A plain request is redirected; an htmx request gets 401 + HX-Redirect to a whole login page."""
    if is_htmx():
        current = request.headers.get("HX-Current-URL", "")
        next_path = _local_path(current) or request.full_path
        return hx_redirect(make_response("", 401), url_for("auth.login", next=next_path))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _local_path(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.path:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


from app.auth import routes  # noqa: E402,F401
