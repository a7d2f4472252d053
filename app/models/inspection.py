"""Inspections (cuộc kiểm tra) of one unit with one published checklist version, and their teams."""
from datetime import date
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, TimestampMixin, enum_column
from app.models.checklist import ChecklistTemplate
from app.models.unit import IssuingBody, Unit
from app.models.user import User


class InspectionKind(LabelledEnum):
    PLANNED = "planned"
    UNANNOUNCED = "unannounced"

    @classmethod
    def labels(cls):
        return {cls.PLANNED: _l("Planned"), cls.UNANNOUNCED: _l("Unannounced")}


class InspectionStatus(LabelledEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    REVIEWING = "reviewing"
    MINUTES_SIGNED = "minutes_signed"
    CONCLUDED = "concluded"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @classmethod
    def labels(cls):
        return {
            cls.DRAFT: _l("Draft"),
            cls.SCHEDULED: _l("Scheduled"),
            cls.IN_PROGRESS: _l("In progress"),
            cls.REVIEWING: _l("Under review"),
            cls.MINUTES_SIGNED: _l("Minutes signed"),
            cls.CONCLUDED: _l("Concluded"),
            cls.CLOSED: _l("Closed"),
            cls.CANCELLED: _l("Cancelled"),
        }


# The team has finished the checklist: its answers are final, scored in the reports, and "last time"
# for the unit's next inspection.
FIELD_WORK_DONE = frozenset({InspectionStatus.REVIEWING, InspectionStatus.MINUTES_SIGNED,
                             InspectionStatus.CONCLUDED, InspectionStatus.CLOSED})


class TeamRole(LabelledEnum):
    LEAD = "lead"
    DEPUTY = "deputy"
    MEMBER = "member"
    SECRETARY = "secretary"

    @classmethod
    def labels(cls):
        return {cls.LEAD: _l("Team leader"), cls.DEPUTY: _l("Deputy team leader"), cls.MEMBER: _l("Member"),
                cls.SECRETARY: _l("Secretary")}


class Inspection(TimestampMixin, db.Model):
    __table_args__ = (
        # A decision number is unique per issuing body and year (12/QĐ-BCĐ of 2025 ≠ of 2026).
        sa.UniqueConstraint("issuing_body_id", "decision_year", "decision_number"),
        sa.Index("ix_inspection_updated_at", "updated_at"),  # reports: has anything changed since?
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(255))
    kind: Mapped[InspectionKind] = mapped_column(enum_column(InspectionKind, name="inspection_kind"))
    legal_basis: Mapped[str] = mapped_column(sa.Text, default="")
    decision_number: Mapped[Optional[str]] = mapped_column(sa.String(64))
    decision_date: Mapped[Optional[date]]
    decision_year: Mapped[Optional[int]]  # from decision_date, for the uniqueness rule
    issuing_body_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("issuing_body.id"))
    # The old unit and date are loaded before a change: the figures of both years are rewritten (unit_figures).
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True, active_history=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_template.id"), index=True)
    status: Mapped[InspectionStatus] = mapped_column(  # the old state too: did its answers count (unit_figures)?
        enum_column(InspectionStatus, name="inspection_status"), default=InspectionStatus.DRAFT, index=True,
        active_history=True,
    )
    planned_start: Mapped[date] = mapped_column(index=True, active_history=True)
    planned_end: Mapped[date]
    place: Mapped[str] = mapped_column(sa.String(255), default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    # Optimistic locking: a stale edit (another tab, another leader) is refused, never silently lost.
    row_version: Mapped[int] = mapped_column(default=1)
    # Decision number, title and place without diacritics, kept by app.models.search.
    search_key: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    unit: Mapped[Unit] = relationship()
    template: Mapped[ChecklistTemplate] = relationship()
    issuing_body: Mapped[Optional[IssuingBody]] = relationship()
    members: Mapped[list["InspectionMember"]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", order_by="InspectionMember.id"
    )

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def lead(self) -> Optional[User]:
        return next((m.user for m in self.members if m.role == TeamRole.LEAD), None)

    def role_of(self, user: User) -> Optional[TeamRole]:
        return next((m.role for m in self.members if m.user_id == user.id), None)


class InspectionMember(db.Model):
    __tablename__ = "inspection_member"
    __table_args__ = (sa.UniqueConstraint("inspection_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    role: Mapped[TeamRole] = mapped_column(enum_column(TeamRole, name="team_role"))

    inspection: Mapped[Inspection] = relationship(back_populates="members")
    user: Mapped[User] = relationship()
