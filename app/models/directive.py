"""Directives (văn bản chỉ đạo) and their tasks (nhiệm vụ).

A directive is issued by one of the issuing bodies and gives tasks, optionally nested under a parent
task. A task is due on a date, or ongoing (thường xuyên) with a reporting cycle; it may carry a
measurable target. The units a task is given to, and their reports, are follow-up items
(app.models.follow_up).
"""
from datetime import date
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, TimestampMixin, enum_column
from app.models.checklist import ParArea
from app.models.unit import IssuingBody
from app.models.user import User


class ReportingCycle(LabelledEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"

    @classmethod
    def labels(cls):
        return {
            cls.MONTH: _l("Monthly"),
            cls.QUARTER: _l("Quarterly"),
            cls.HALF_YEAR: _l("Half-yearly"),
            cls.YEAR: _l("Yearly"),
        }


class TargetKind(LabelledEnum):
    VALUE = "value"  # a share: numerator over denominator, aimed at a percentage
    RANK = "rank"  # a rank among peers (e.g. 22/63), aimed at a number of places gained

    @classmethod
    def labels(cls):
        return {cls.VALUE: _l("A value (numerator / denominator)"), cls.RANK: _l("A change of rank")}


class Directive(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(64))  # number and symbol: 517/BCĐ-NC
    issued_on: Mapped[date] = mapped_column(index=True)
    issuing_body_id: Mapped[int] = mapped_column(sa.ForeignKey("issuing_body.id"), index=True)
    subject: Mapped[str] = mapped_column(sa.Text)
    signer_name: Mapped[str] = mapped_column(sa.String(255), default="")
    signer_title: Mapped[str] = mapped_column(sa.String(255), default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    # Number and subject without diacritics, kept by app.models.search.
    search_key: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    issuing_body: Mapped[IssuingBody] = relationship()
    created_by: Mapped[Optional[User]] = relationship()
    tasks: Mapped[list["DirectiveTask"]] = relationship(
        back_populates="directive", order_by="DirectiveTask.position", cascade="all, delete-orphan")
    files: Mapped[list["Attachment"]] = relationship(  # noqa: F821 (app.models.answer)
        back_populates="directive", order_by="Attachment.id")

    @property
    def label(self) -> str:
        return f"{self.number} — {self.subject}"

    def __repr__(self) -> str:
        return f"<Directive {self.number}>"


class DirectiveTask(db.Model):
    __tablename__ = "directive_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int] = mapped_column(sa.ForeignKey("directive.id"), index=True)
    parent_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("directive_task.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(sa.String(16), default="")  # as the directive numbers it: 1.4a
    title: Mapped[str] = mapped_column(sa.Text)
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    legal_basis: Mapped[str] = mapped_column(sa.Text, default="")
    # A due date, or none with a reporting cycle: an ongoing task (thường xuyên).
    due_date: Mapped[Optional[date]]
    cycle: Mapped[Optional[ReportingCycle]] = mapped_column(enum_column(ReportingCycle, name="reporting_cycle"))
    par_area: Mapped[Optional[ParArea]] = mapped_column(enum_column(ParArea, name="task_par_area"))
    # The measurable target, if any: what is measured, the aim, and where it started.
    target_kind: Mapped[Optional[TargetKind]] = mapped_column(enum_column(TargetKind, name="target_kind"))
    target_measure: Mapped[str] = mapped_column(sa.Text, default="")
    target_value: Mapped[Optional[float]]  # VALUE: the share aimed at, in %; RANK: places to gain
    baseline_value: Mapped[Optional[float]]  # VALUE: the share at the start, in %; RANK: the rank
    baseline_of: Mapped[Optional[int]]  # RANK: among how many (the 63 of 22/63)
    baseline_year: Mapped[Optional[int]]

    directive: Mapped[Directive] = relationship(back_populates="tasks")
    parent: Mapped[Optional["DirectiveTask"]] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["DirectiveTask"]] = relationship(back_populates="parent", order_by="DirectiveTask.position")

    @property
    def is_ongoing(self) -> bool:
        return self.due_date is None

    @property
    def label(self) -> str:
        return f"{self.code}. {self.title}" if self.code else self.title

    def __repr__(self) -> str:
        return f"<DirectiveTask {self.code or self.id}>"
