"""Users, their role and their unit."""
import secrets
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.base import LabelledEnum, TimestampMixin, UTCDateTime, enum_column, utcnow
from app.models.unit import Unit


class Role(LabelledEnum):
    ADMIN = "admin"
    LEADER = "leader"
    INSPECTOR = "inspector"
    UNIT_HEAD = "unit_head"

    @classmethod
    def labels(cls):
        return {cls.ADMIN: _l("Administrator"), cls.LEADER: _l("Leader"), cls.INSPECTOR: _l("Inspector"),
                cls.UNIT_HEAD: _l("Head of inspected unit")}


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(120), default="")  # chức vụ
    email: Mapped[str] = mapped_column(sa.String(255), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, name="user_role"))
    unit_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(sa.String(8), default="vi")
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    unit: Mapped[Optional[Unit]] = relationship()

    # The device session this object was logged in with or loaded through (not a column): what the
    # session cookie names instead of the id. Without one, Flask-Login stores no id: not logged in.
    login_session = None

    def set_password(self, password: str, method: str) -> None:
        """Keep the password's hash, made by `method` (the configured PASSWORD_HASH_METHOD)."""
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str | None:
        return self.login_session.token if self.login_session else None

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.username}>"


# A short name for a user agent: the first browser and the first system whose mark it contains
# (Edge and Opera also say Chrome, Chrome also says Safari, Android also says Linux).
BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
            ("Chrome/", "Chrome"), ("CriOS/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"),
           ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


class UserSession(db.Model):
    """A device logged in as a user: its session cookie names the token. Deleting the row logs that
    device out at its next request; the user's other devices stay logged in."""

    __tablename__ = "user_session"
    USER_AGENT_LENGTH = 255

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, index=True, default=new_session_token)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    user_agent: Mapped[str] = mapped_column(sa.String(USER_AGENT_LENGTH), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written at most every few minutes (app/services/accounts.py), not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    @property
    def device_name(self) -> str:
        """"Chrome, Android" from the user agent; the user agent itself when it names neither."""
        names = [next((name for mark, name in marks if mark in self.user_agent), None)
                 for marks in (BROWSERS, SYSTEMS)]
        return ", ".join(name for name in names if name) or self.user_agent

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of user {self.user_id}>"
