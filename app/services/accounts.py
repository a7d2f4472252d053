"""Users: login with lockout, creation, role and unit, passwords, deactivation."""
from datetime import timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import Role, Unit, User
from app.models.base import utcnow
from app.services import audit
from app.services.errors import DomainError, ValidationFailed

USER_FIELDS = ("username", "full_name", "title", "email", "role", "unit_id", "active", "locale")


class LoginFailed(DomainError):
    pass


def authenticate(username: str, password: str) -> User:
    """Return the user for these credentials, or raise LoginFailed with a message to show.

    Repeated failures lock the account for LOGIN_LOCK_MINUTES. Every refusal gets the same message,
    so it never tells whether a username exists or is locked.
    """
    config = current_app.config
    user = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    now = utcnow()
    if user is None or not user.active:
        # Spend the same time as a real check, so timing does not tell which usernames exist.
        check_password_hash(_dummy_hash(), password)
        raise LoginFailed(failure_message())
    if user.locked_until and user.locked_until > now:
        raise LoginFailed(failure_message())
    if not user.check_password(password):
        # Counted by the database, so parallel attempts cannot slip past the limit.
        user.failed_logins = User.failed_logins + 1
        db.session.flush()
        db.session.refresh(user)
        if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
            audit.record(None, "lock", user, user.username, {"locked_until": [None, user.locked_until.isoformat()]})
            db.session.commit()
            raise LoginFailed(failure_message())
        db.session.commit()
        raise LoginFailed(failure_message())
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(user, "login", user, user.username)
    db.session.commit()
    return user


def failure_message() -> str:
    return _(
        "Wrong username or password. After %(n)d failed attempts the account is locked for %(minutes)d minutes.",
        n=current_app.config["LOGIN_MAX_FAILURES"], minutes=current_app.config["LOGIN_LOCK_MINUTES"],
    )


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-password", method=current_app.config["PASSWORD_HASH_METHOD"])


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
    user.set_password(password)
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
        user.session_version += 1  # ends the user's open sessions
    if changes:
        audit.record(actor, "update", user, user.username, changes)
    db.session.commit()
    return user


def reset_password(actor: User, user: User, new_password: str) -> None:
    """An administrator sets a new password; the user's other sessions end."""
    _check_password_strength(new_password)
    user.set_password(new_password)
    user.failed_logins = 0
    user.locked_until = None
    audit.record(actor, "reset_password", user, user.username)
    db.session.commit()


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password):
        raise ValidationFailed("current_password", _("The current password is not correct."))
    _check_password_strength(new_password, "new_password")
    user.set_password(new_password)
    audit.record(user, "change_password", user, user.username)
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise ValidationFailed("locale", _("Unknown language."))
    user.locale = locale
    db.session.commit()
