"""Users: login, sessions, creation, role and unit, passwords, deactivation."""
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


def end_sessions(user: User) -> None:
    """Logout and "log out everywhere": the user's session token changes, so every cookie stops working."""
    user.end_sessions()
    audit.record(user, "logout", user, user.username)
    db.session.commit()


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
        user.end_sessions()
    if changes:
        audit.record(actor, "update", user, user.username, changes)
    db.session.commit()
    return user


def reset_password(actor: User, user: User, new_password: str) -> None:
    """An administrator sets a new password; the user's other sessions end."""
    _check_password_strength(new_password)
    user.set_password(new_password)
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
