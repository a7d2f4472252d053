"""Findings (tồn tại, hạn chế / vi phạm) of an inspection and their follow-up thread.

A finding is a draft inside its inspection until it is issued to the responsible unit; from then on
every step (plan, progress, submission, verification, extension, reassignment) is a FindingEvent,
appended and never edited. *Overdue* is computed from the due date, never stored.
"""
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, TimestampMixin, UTCDateTime, enum_column, utcnow
from app.models.checklist import ChecklistItem, Severity
from app.models.inspection import Inspection
from app.models.unit import Unit
from app.models.user import User

# The scale of Nghị định 172/2025, shared with the checklist items' default severity.
FindingSeverity = Severity


class FindingStatus(LabelledEnum):
    DRAFT = "draft"
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    REOPENED = "reopened"
    CLOSED = "closed"
    DISMISSED = "dismissed"  # a draft the team dismissed with a reason; never issued

    @classmethod
    def labels(cls):
        return {
            cls.DRAFT: _l("Draft"),
            cls.OPEN: _l("Open"),
            cls.IN_PROGRESS: _l("Being remedied"),
            cls.SUBMITTED: _l("Awaiting verification"),
            cls.REOPENED: _l("Sent back"),
            cls.CLOSED: _l("Closed"),
            cls.DISMISSED: _l("Dismissed"),
        }


# Issued and not closed yet: the unit's work at hand, and what can be overdue.
ACTIVE_STATUSES = (FindingStatus.OPEN, FindingStatus.IN_PROGRESS, FindingStatus.SUBMITTED, FindingStatus.REOPENED)
ISSUED_STATUSES = ACTIVE_STATUSES + (FindingStatus.CLOSED,)
_IS_ACTIVE = sa.text("status IN ({})".format(", ".join(f"'{status.value}'" for status in ACTIVE_STATUSES)))


class FindingEventKind(LabelledEnum):
    ISSUED = "issued"
    COMMENT = "comment"
    PLAN = "plan"
    PROGRESS = "progress"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXTENDED = "extended"
    REASSIGNED = "reassigned"
    MOVED = "moved"  # the responsible unit was succeeded by another (merger)

    @classmethod
    def labels(cls):
        return {
            cls.ISSUED: _l("Issued to the unit"),
            cls.COMMENT: _l("Comment"),
            cls.PLAN: _l("Remediation plan"),
            cls.PROGRESS: _l("Progress report"),
            cls.SUBMITTED: _l("Submitted for verification"),
            cls.ACCEPTED: _l("Accepted: closed"),
            cls.REJECTED: _l("Sent back"),
            cls.EXTENDED: _l("Due date extended"),
            cls.REASSIGNED: _l("Responsible unit changed"),
            cls.MOVED: _l("Moved to the successor unit"),
        }


class Finding(TimestampMixin, db.Model):
    __table_args__ = (
        sa.UniqueConstraint("inspection_id", "number"),
        sa.Index("ix_finding_status_due_date", "status", "due_date"),
        sa.Index("ix_finding_updated_at", "updated_at"),  # reports: has anything changed since?
        # The dashboard's findings per unit for a year's inspections, read from the index alone.
        sa.Index("ix_finding_inspection_report", "inspection_id", "status", "unit_id", "due_date", "repeat_of_id"),
        # The findings list: the ids of a status and severity in a year's inspections, in the list's
        # order, read from the index alone (the page's rows are then loaded by id).
        sa.Index("ix_finding_list", "status", "severity", "inspection_id", "due_date", "id"),
        # The whole list of whoever sees every finding: its first ids in due date order, overdue first
        # (app.services.finding_lists.page_ids).
        sa.Index("ix_finding_due_order", "due_date", "id", "status"),
        # The dashboard's overdue findings per unit of a year's inspections: the active ones only.
        sa.Index("ix_finding_active_due", "inspection_id", "due_date", "unit_id",
                 postgresql_where=_IS_ACTIVE, sqlite_where=_IS_ACTIVE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection.id"), index=True)
    item_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("checklist_item.id"), index=True)
    # the responsible unit; the old one is loaded before a change, whose figures are rewritten too (unit_figures)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True, active_history=True)
    # Given when the finding is issued: 1, 2, … within the inspection, and the code KT-2026-012/03.
    number: Mapped[Optional[int]]
    code: Mapped[Optional[str]] = mapped_column(sa.String(64), index=True)
    title: Mapped[str] = mapped_column(sa.String(255))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    legal_basis: Mapped[str] = mapped_column(sa.Text, default="")
    severity: Mapped[Severity] = mapped_column(enum_column(Severity, name="finding_severity"))
    recommendation: Mapped[str] = mapped_column(sa.Text, default="")
    due_date: Mapped[Optional[date]]
    status: Mapped[FindingStatus] = mapped_column(
        enum_column(FindingStatus, name="finding_status"), default=FindingStatus.DRAFT, index=True
    )
    # A proposal made from a failed item waits for the team to confirm, edit or dismiss it.
    confirmed: Mapped[bool] = mapped_column(default=False)
    dismiss_reason: Mapped[str] = mapped_column(sa.Text, default="")
    repeat_of_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("finding.id"), index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    issued_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)  # reports: opened per month
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)  # reports: closed per month
    closed_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    # The due date each reminder was sent for: one "due soon" and one "overdue" per due date.
    due_soon_reminded_for: Mapped[Optional[date]]
    overdue_reminded_for: Mapped[Optional[date]]
    row_version: Mapped[int] = mapped_column(default=1)
    # Code, title, description and recommendation without diacritics, kept by app.models.search.
    search_key: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    inspection: Mapped[Inspection] = relationship()
    item: Mapped[Optional[ChecklistItem]] = relationship()
    unit: Mapped[Unit] = relationship()
    repeat_of: Mapped[Optional["Finding"]] = relationship(remote_side=[id])
    created_by: Mapped[Optional[User]] = relationship(foreign_keys=[created_by_id])
    closed_by: Mapped[Optional[User]] = relationship(foreign_keys=[closed_by_id])
    events: Mapped[list["FindingEvent"]] = relationship(
        back_populates="finding", order_by="FindingEvent.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list["Attachment"]] = relationship(  # noqa: F821 (app.models.answer)
        back_populates="finding", order_by="Attachment.id"
    )

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def is_draft(self) -> bool:
        return self.status == FindingStatus.DRAFT

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def is_overdue(self, today: date) -> bool:
        return self.is_active and self.due_date is not None and self.due_date < today

    def is_due_soon(self, today: date, days: int = 7) -> bool:
        return self.is_active and self.due_date is not None and 0 <= (self.due_date - today).days <= days

    @property
    def label(self) -> str:
        return f"{self.code} — {self.title}" if self.code else self.title

    def __repr__(self) -> str:
        return f"<Finding {self.code or self.id}>"


class FindingEvent(db.Model):
    """One step of a finding's follow-up: who, when, what, which files. Append-only."""

    __tablename__ = "finding_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(sa.ForeignKey("finding.id"), index=True)
    kind: Mapped[FindingEventKind] = mapped_column(enum_column(FindingEventKind, name="finding_event_kind"))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    # Submitted without evidence files: why there are none.
    no_evidence_reason: Mapped[str] = mapped_column(sa.Text, default="")
    author_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    previous_due_date: Mapped[Optional[date]]
    new_due_date: Mapped[Optional[date]]
    from_unit_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("unit.id"))
    to_unit_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("unit.id"))

    finding: Mapped[Finding] = relationship(back_populates="events")
    author: Mapped[Optional[User]] = relationship()
    from_unit: Mapped[Optional[Unit]] = relationship(foreign_keys=[from_unit_id])
    to_unit: Mapped[Optional[Unit]] = relationship(foreign_keys=[to_unit_id])
    attachments: Mapped[list["Attachment"]] = relationship(  # noqa: F821 (app.models.answer)
        back_populates="finding_event", order_by="Attachment.id"
    )
