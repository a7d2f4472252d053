"""Answers to a checklist's items during an inspection, and the evidence files attached to them."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.checklist import ChecklistItem
from app.models.inspection import Inspection
from app.models.user import User


class Answer(db.Model):
    """One item's answer in one inspection. Saved on its own the moment it changes (autosave).

    `row_version` refuses a stale write (two inspectors on one item); `last_save_id` is the id the
    tablet gave its latest applied save, so a retried save is applied once, never twice.
    """

    __table_args__ = (
        sa.UniqueConstraint("inspection_id", "item_id"),
        # The reports' most failed criteria: an inspection's failed items, from the index alone.
        sa.Index("ix_answer_inspection_outcome", "inspection_id", "outcome", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection.id"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_item.id"), index=True)
    result: Mapped[Optional[str]] = mapped_column(sa.String(8))  # pass | fail | na (pass/fail items, or n/a)
    value: Mapped[Optional[str]] = mapped_column(sa.Text)  # number, chosen option or text, as typed
    numerator: Mapped[Optional[int]]
    denominator: Mapped[Optional[int]]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    answered_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_save_id: Mapped[Optional[str]] = mapped_column(sa.String(64))
    row_version: Mapped[int] = mapped_column(default=1)
    # The scored result (pass | fail | na; None while unanswered or never scored), derived from the
    # answer by app.services.scoring at every save (the autosave's own statement, the listener below for
    # writes through the ORM), so that reports sum scores in SQL.
    outcome: Mapped[Optional[str]] = mapped_column(sa.String(8))

    inspection: Mapped[Inspection] = relationship()
    item: Mapped[ChecklistItem] = relationship()
    answered_by: Mapped[Optional[User]] = relationship()
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="answer", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def has_files(self) -> bool:
        return bool(self.attachments)


class Attachment(db.Model):
    """An evidence file, stored under instance/uploads/ by its SHA-256 and served only through a checked route."""

    # Two retries of one upload that arrive at once attach each file once (NULL ids never collide).
    __table_args__ = (sa.UniqueConstraint("answer_id", "upload_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("answer.id"), index=True)
    # A finding's own photos (while it is a draft), or the files of one step of its follow-up.
    finding_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("finding.id"), index=True)
    finding_event_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("finding_event.id"), index=True)
    # The signed scan of a document (minutes or conclusion notice).
    document_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("document.id"), index=True)
    # The signed file of a directive, or the files of one step of a follow-up item.
    directive_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("directive.id"), index=True)
    follow_up_event_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("follow_up_event.id"), index=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    mime_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    width: Mapped[Optional[int]]
    height: Mapped[Optional[int]]
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The id the tablet gave the upload (its outbox key): a retried upload attaches its files once.
    upload_id: Mapped[Optional[str]] = mapped_column(sa.String(64))

    answer: Mapped[Optional[Answer]] = relationship(back_populates="attachments")
    finding: Mapped[Optional["Finding"]] = relationship(back_populates="photos")  # noqa: F821
    finding_event: Mapped[Optional["FindingEvent"]] = relationship(back_populates="attachments")  # noqa: F821
    document: Mapped[Optional["Document"]] = relationship(back_populates="scans")  # noqa: F821
    directive: Mapped[Optional["Directive"]] = relationship(back_populates="files")  # noqa: F821
    follow_up_event: Mapped[Optional["FollowUpEvent"]] = relationship(back_populates="attachments")  # noqa: F821
    uploaded_by: Mapped[Optional[User]] = relationship()

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")
