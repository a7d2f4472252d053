"""Follow-up items a unit works through besides findings: a directive task given to the unit, and a
remediation item for a field on which it lost points in the yearly CCHC index (task 1.4 of
directive 517).

Both share one life: a remediation item starts as a proposal a leader confirms or dismisses; then the
unit reports (each period for an ongoing task), sends a completion report, and the secretariat
evaluates. Every step is a FollowUpEvent, appended and never edited. *Overdue* is computed from
`due_date`, never stored: for an ongoing task it is the end of the period whose report is owed.
"""
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, TimestampMixin, UTCDateTime, enum_column, utcnow
from app.models.checklist import ParArea
from app.models.directive import DirectiveTask
from app.models.unit import Unit
from app.models.user import User


class FollowUpKind(LabelledEnum):
    TASK = "task"
    REMEDIATION = "remediation"

    @classmethod
    def labels(cls):
        return {cls.TASK: _l("Directive task"), cls.REMEDIATION: _l("Index remediation")}


class UnitRole(LabelledEnum):
    LEAD = "lead"  # chủ trì
    COORDINATING = "coordinating"  # phối hợp

    @classmethod
    def labels(cls):
        return {cls.LEAD: _l("Lead"), cls.COORDINATING: _l("Coordinating")}


class FollowUpStatus(LabelledEnum):
    PROPOSED = "proposed"  # a remediation item waiting for a leader to confirm or dismiss it
    DISMISSED = "dismissed"
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"  # the completion report waits for the evaluation
    REOPENED = "reopened"
    CLOSED = "closed"

    @classmethod
    def labels(cls):
        return {
            cls.PROPOSED: _l("Proposed"),
            cls.DISMISSED: _l("Dismissed"),
            cls.OPEN: _l("Open"),
            cls.IN_PROGRESS: _l("Being carried out"),
            cls.SUBMITTED: _l("Completion reported"),
            cls.REOPENED: _l("Sent back"),
            cls.CLOSED: _l("Closed"),
        }


FOLLOW_UP_ACTIVE = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS, FollowUpStatus.SUBMITTED, FollowUpStatus.REOPENED)
# What a unit head sees of their unit's items: everything but proposals and what was dismissed.
FOLLOW_UP_GIVEN = FOLLOW_UP_ACTIVE + (FollowUpStatus.CLOSED,)


class Outcome(LabelledEnum):
    """The secretariat's evaluation of a period or of the end."""

    ON_TIME = "on_time"
    LATE = "late"
    IN_PROGRESS = "in_progress"
    NOT_DONE = "not_done"

    @classmethod
    def labels(cls):
        return {
            cls.ON_TIME: _l("Done on time"),
            cls.LATE: _l("Done late"),
            cls.IN_PROGRESS: _l("Still being carried out"),
            cls.NOT_DONE: _l("Not done"),
        }


DONE_OUTCOMES = (Outcome.ON_TIME, Outcome.LATE)


class FollowUpEventKind(LabelledEnum):
    ASSIGNED = "assigned"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    PLAN = "plan"
    REPORT = "report"
    COMPLETION = "completion"
    EVALUATION = "evaluation"
    COMMENT = "comment"
    RESCHEDULED = "rescheduled"  # the task's due date changed
    MOVED = "moved"  # the unit was succeeded by another (merger)

    @classmethod
    def labels(cls):
        return {
            cls.ASSIGNED: _l("Assigned to the unit"),
            cls.CONFIRMED: _l("Confirmed and given to the unit"),
            cls.DISMISSED: _l("Dismissed"),
            cls.PLAN: _l("Plan"),
            cls.REPORT: _l("Progress report"),
            cls.COMPLETION: _l("Completion report"),
            cls.EVALUATION: _l("Evaluation"),
            cls.COMMENT: _l("Comment"),
            cls.RESCHEDULED: _l("Due date changed"),
            cls.MOVED: _l("Moved to the successor unit"),
        }


class FollowUpItem(TimestampMixin, db.Model):
    __tablename__ = "follow_up_item"
    __table_args__ = (
        sa.Index("ix_follow_up_item_status_due_date", "status", "due_date"),
        # Not unique: a successor may hold its own item and the one it took over from a predecessor.
        sa.Index("ix_follow_up_item_unit_year", "unit_id", "index_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FollowUpKind] = mapped_column(enum_column(FollowUpKind, name="follow_up_kind"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    role: Mapped[UnitRole] = mapped_column(enum_column(UnitRole, name="unit_role"), default=UnitRole.LEAD)
    status: Mapped[FollowUpStatus] = mapped_column(
        enum_column(FollowUpStatus, name="follow_up_status"), default=FollowUpStatus.OPEN, index=True)
    due_date: Mapped[Optional[date]]
    # A directive task's item.
    task_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("directive_task.id"), index=True)
    # A remediation item: the index year, field and sub-criterion it answers, and the score it had
    # when proposed (a later re-import of the index does not rewrite why it was proposed).
    index_year: Mapped[Optional[int]]
    par_area: Mapped[Optional[ParArea]] = mapped_column(enum_column(ParArea, name="follow_up_par_area"))
    criterion_code: Mapped[Optional[str]] = mapped_column(sa.String(32))
    criterion_label: Mapped[str] = mapped_column(sa.Text, default="")
    score: Mapped[Optional[float]]
    maximum: Mapped[Optional[float]]
    outcome: Mapped[Optional[Outcome]] = mapped_column(enum_column(Outcome, name="follow_up_outcome"))
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # The due date each reminder was sent for, as for findings.
    due_soon_reminded_for: Mapped[Optional[date]]
    overdue_reminded_for: Mapped[Optional[date]]
    row_version: Mapped[int] = mapped_column(default=1)

    unit: Mapped[Unit] = relationship()
    task: Mapped[Optional[DirectiveTask]] = relationship()
    events: Mapped[list["FollowUpEvent"]] = relationship(
        back_populates="item", order_by="FollowUpEvent.id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def is_active(self) -> bool:
        return self.status in FOLLOW_UP_ACTIVE

    def is_overdue(self, today: date) -> bool:
        return self.is_active and self.due_date is not None and self.due_date < today

    def is_due_soon(self, today: date, days: int = 7) -> bool:
        return self.is_active and self.due_date is not None and 0 <= (self.due_date - today).days <= days

    @property
    def title(self) -> str:
        if self.task is not None:
            return self.task.label
        return self.criterion_label or (self.par_area.label if self.par_area else "")

    def __repr__(self) -> str:
        return f"<FollowUpItem {self.kind.value} {self.id}>"


class FollowUpEvent(db.Model):
    """One step of an item's follow-up: who, when, what, which figures and files. Append-only."""

    __tablename__ = "follow_up_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("follow_up_item.id"), index=True)
    kind: Mapped[FollowUpEventKind] = mapped_column(enum_column(FollowUpEventKind, name="follow_up_event_kind"))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    author_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The reporting period a report or an evaluation is for (an ongoing task's), by its last day.
    period_end: Mapped[Optional[date]]
    # Figures toward the task's target: the share's numerator and denominator, or the rank reached.
    numerator: Mapped[Optional[float]]
    denominator: Mapped[Optional[float]]
    outcome: Mapped[Optional[Outcome]] = mapped_column(enum_column(Outcome, name="follow_up_event_outcome"))
    new_due_date: Mapped[Optional[date]]
    from_unit_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("unit.id"))
    to_unit_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("unit.id"))

    item: Mapped[FollowUpItem] = relationship(back_populates="events")
    author: Mapped[Optional[User]] = relationship()
    from_unit: Mapped[Optional[Unit]] = relationship(foreign_keys=[from_unit_id])
    to_unit: Mapped[Optional[Unit]] = relationship(foreign_keys=[to_unit_id])
    attachments: Mapped[list["Attachment"]] = relationship(  # noqa: F821 (app.models.answer)
        back_populates="follow_up_event", order_by="Attachment.id")
