"""In-app notifications: one row per recipient, read in the app and mailed once in the daily digest."""
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.user import User

TEXT_LENGTH = 500
ENDPOINT_LENGTH = 100


class Notification(db.Model):
    """Something a user should look at: `text` says what, `endpoint` and `link_values` where it leads
    (the route and its URL values; the address is built from them when shown or mailed).

    Written by app.services.notifications.notify() in the same transaction as the change it reports.
    `read_at` is set when the user opens it or marks it read; `emailed_at` when a digest carried it.
    """

    # The bell's count and the list both start from a user's rows; the count only wants the unread.
    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    text: Mapped[str] = mapped_column(sa.String(TEXT_LENGTH))
    endpoint: Mapped[str] = mapped_column(sa.String(ENDPOINT_LENGTH))
    link_values: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    emailed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def __repr__(self) -> str:
        return f"<Notification {self.id} user={self.user_id}>"
