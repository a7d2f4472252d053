"""Users, their role and their unit."""
import secrets
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.base import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
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
    # What the session cookie names instead of the id: a new token ends every session that held the
    # old one (logout, password change or reset, deactivation).
    session_token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_session_token)

    unit: Mapped[Optional[Unit]] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )
        self.end_sessions()

    def end_sessions(self) -> None:
        """Every cookie that names the old token stops working at its next request."""
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.username}>"
