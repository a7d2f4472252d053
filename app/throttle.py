"""Rate limits (Flask-Limiter): password guesses and uploads.

Password guesses are counted per client address and account together, and per address over all
accounts. An attacker elsewhere can exhaust only their own allowance: the user keeps logging in from
their own address. Only refused passwords count, and the limit holds even for the right password
until the window ends. Memory storage counts per worker process; set RATELIMIT_STORAGE_URI to a
Redis URL so that every worker and server counts together.
"""
from flask import current_app, g, request
from flask_login import current_user

from app.extensions import limiter


def _guess_limit() -> str:
    config = current_app.config
    return f"{config['LOGIN_MAX_FAILURES']} per {config['LOGIN_LOCK_MINUTES']} minutes"


def _address_guess_limit() -> str:
    config = current_app.config
    return f"{config['LOGIN_ADDRESS_MAX_FAILURES']} per {config['LOGIN_LOCK_MINUTES']} minutes"


def _address_and_account() -> str:
    """The login form's username, or the logged-in user on the password form, with the address."""
    if current_user.is_authenticated:
        account = f"#{current_user.id}"
    else:
        account = (request.form.get("username") or "").strip().lower()[:64]
    return f"{request.remote_addr}|{account}"


def count_refused_password() -> None:
    """A view calls this when it refused a password; only such requests use up the allowance."""
    g.password_refused = True


def _password_refused(response) -> bool:
    return g.get("password_refused", False)


def password_guesses(view):
    """For views that check a password: the login form and the password-change form."""
    view = limiter.limit(_guess_limit, key_func=_address_and_account, methods=["POST"],
                         deduct_when=_password_refused)(view)
    return limiter.limit(_address_guess_limit, methods=["POST"], deduct_when=_password_refused)(view)


def _user_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else f"address:{request.remote_addr}"


def _upload_limit() -> str:
    return current_app.config["UPLOAD_RATE_LIMIT"]


# One allowance per user for every route that accepts files. It is generous: a tablet that comes back
# online replays its queued photos in a burst. Requests without files (a comment) do not count.
uploads = limiter.shared_limit(_upload_limit, scope="upload", key_func=_user_key,
                               exempt_when=lambda: not request.files)
