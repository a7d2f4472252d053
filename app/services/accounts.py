"""Users: login, sessions, creation, role and unit, passwords, deactivation."""
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from app.database import write_turn
from app.extensions import db
from app.models import Role, Unit, User, UserSession
from app.models.base import utcnow
from app.services import audit
from app.services.errors import DomainError, ValidationFailed

USER_FIELDS = ("username", "full_name", "title", "email", "role", "unit_id", "active", "locale")

# How stale a session's last_seen_at may get: writing it on every request would slow the autosave.
SEEN_EVERY = timedelta(minutes=5)

# Every request loads its user: one statement built once, cheaper than building it per request.
SESSION_BY_TOKEN = (
    sa.select(UserSession, User).join(UserSession.user)
    .where(UserSession.token == sa.bindparam("token"), UserSession.last_seen_at > sa.bindparam("since"),
           User.active)
)


class LoginFailed(DomainError):
    pass


def authenticate(username: str, password: str) -> User:
    """Return the user for these credentials, or raise LoginFailed with a message to show.

    Every refusal gets the same message, so it never tells whether a username exists. Repeated
    failures are throttled per client address and account by the login route (app/auth/throttle.py),
    not by locking the account, which anyone could do to anyone.
    """
    user = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active:
        # Spend the same time as a real check, so timing does not tell which usernames exist.
        check_password_hash(_dummy_hash(), password)
        raise LoginFailed(failure_message())
    if not user.check_password(password):
        raise LoginFailed(failure_message())
    user.last_login_at = utcnow()
    audit.record(user, "login", user, user.username)
    db.session.commit()
    return user


def failure_message() -> str:
    return _("Wrong username or password.")


def start_session(user: User, user_agent: str) -> UserSession:
    """A new session for the device logging in; it becomes `user.login_session`, whose token the cookie
    will name. Expired sessions (anyone's) are deleted meanwhile, so the table holds live ones only."""
    db.session.execute(sa.delete(UserSession).where(UserSession.last_seen_at <= _expired_before()))
    user.login_session = UserSession(user=user, user_agent=user_agent[:UserSession.USER_AGENT_LENGTH])
    db.session.add(user.login_session)
    db.session.commit()
    return user.login_session


def user_for_session(token: str) -> User | None:
    """The active user of a live session, with `login_session` set; None for an unknown or expired token.

    A session is alive while used: it expires PERMANENT_SESSION_LIFETIME after its last request, as
    the cookie does. last_seen_at is written at most every SEEN_EVERY; the user loader calls this
    before a view writes anything, so the commit carries nothing else.
    """
    found = db.session.execute(SESSION_BY_TOKEN, {"token": token, "since": _expired_before()}).one_or_none()
    if found is None:
        return None
    login_session, user = found
    now = utcnow()
    if now - login_session.last_seen_at >= SEEN_EVERY:
        # A statement, not a changed object: a row deleted meanwhile (log out everywhere) is no error.
        with write_turn():
            db.session.execute(sa.update(UserSession).where(UserSession.id == login_session.id)
                               .values(last_seen_at=now))
            db.session.commit()
    user.login_session = login_session
    return user


def live_sessions(user: User) -> list[UserSession]:
    """The user's sessions that have not expired, the most recently used first."""
    return db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == user.id, UserSession.last_seen_at > _expired_before())
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).all()


def end_session(user: User) -> None:
    """Logout: this device's session ends; the user's other devices stay logged in."""
    if user.login_session is not None:
        db.session.execute(sa.delete(UserSession).where(UserSession.id == user.login_session.id))
    audit.record(user, "logout", user, user.username)
    db.session.commit()


def end_all_sessions(user: User) -> None:
    """Log out everywhere: every device's session ends, this one's too."""
    _delete_sessions(user)
    audit.record(user, "logout_everywhere", user, user.username)
    db.session.commit()


def _delete_sessions(user: User, keep: UserSession | None = None) -> None:
    """Each cookie naming a deleted session stops working at its next request."""
    statement = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    db.session.execute(statement)


def _expired_before() -> datetime:
    return utcnow() - current_app.permanent_session_lifetime


def _hash_method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-password", method=_hash_method())


def _check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
        raise ValidationFailed(
            field, _("The password needs at least %(n)d characters.", n=current_app.config["PASSWORD_MIN_LENGTH"])
        )


def _validate(user: User) -> None:
    user.username = user.username.strip().lower()
    with db.session.no_autoflush:  # check before the changed row reaches the database
        clash = db.session.scalar(
            sa.select(User.id).where(User.username == user.username, User.id != (user.id or 0))
        )
    if clash:
        raise ValidationFailed("username", _("This username is already taken."))
    if user.role == Role.UNIT_HEAD and user.unit_id is None:
        raise ValidationFailed("unit_id", _("A head of an inspected unit must belong to a unit."))
    if user.unit_id is not None and db.session.get(Unit, user.unit_id) is None:
        raise ValidationFailed("unit_id", _("Choose a unit from the list."))


def create_user(actor: User | None, password: str, **fields) -> User:
    user = User(**fields)
    _validate(user)
    _check_password_strength(password)
    user.set_password(password, _hash_method())
    db.session.add(user)
    audit.record(actor, "create", user, user.username, audit.diff({}, audit.snapshot(user, USER_FIELDS)))
    db.session.commit()
    return user


def update_user(actor: User, user: User, **fields) -> User:
    before = audit.snapshot(user, USER_FIELDS)
    for name, value in fields.items():
        setattr(user, name, value)
    if user.id == actor.id and (not user.active or user.role != Role.ADMIN):
        db.session.rollback()
        raise ValidationFailed("role", _("You cannot remove your own administrator rights."))
    try:
        _validate(user)
    except ValidationFailed:
        db.session.rollback()
        raise
    changes = audit.diff(before, audit.snapshot(user, USER_FIELDS))
    if not user.active and before["active"]:
        _delete_sessions(user)
    if changes:
        audit.record(actor, "update", user, user.username, changes)
    db.session.commit()
    return user


def reset_password(actor: User, user: User, new_password: str) -> None:
    """An administrator sets a new password; every session of the user ends, but the administrator's
    own when they reset their own password."""
    _check_password_strength(new_password)
    user.set_password(new_password, _hash_method())
    _delete_sessions(user, keep=actor.login_session if actor.id == user.id else None)
    audit.record(actor, "reset_password", user, user.username)
    db.session.commit()


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password):
        raise ValidationFailed("current_password", _("The current password is not correct."))
    _check_password_strength(new_password, "new_password")
    user.set_password(new_password, _hash_method())
    _delete_sessions(user, keep=user.login_session)  # this one just proved the password
    audit.record(user, "change_password", user, user.username)
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise ValidationFailed("locale", _("Unknown language."))
    user.locale = locale
    db.session.commit()
