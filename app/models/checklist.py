"""Checklist templates (bộ tiêu chí / phiếu kiểm tra): template → sections → items, versioned.

A published version never changes: an inspection keeps the exact questions it was asked. Editing a
published template means making a new draft version of the same family.
"""
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from app.models.user import User


class TemplateStatus(LabelledEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    @classmethod
    def labels(cls):
        return {cls.DRAFT: _l("Draft"), cls.PUBLISHED: _l("Published"), cls.ARCHIVED: _l("Archived")}


class ParArea(LabelledEnum):
    """The eight fields of the PAR INDEX (Quyết định 876/QĐ-BNV)."""

    LEADERSHIP = "leadership"
    INSTITUTIONS = "institutions"
    PROCEDURES = "procedures"
    ORGANISATION = "organisation"
    CIVIL_SERVICE = "civil_service"
    PUBLIC_FINANCE = "public_finance"
    DIGITAL_GOVERNMENT = "digital_government"
    IMPACT = "impact"

    @classmethod
    def labels(cls):
        return {
            cls.LEADERSHIP: _l("Direction and management of administrative reform"),
            cls.INSTITUTIONS: _l("Institutional reform"),
            cls.PROCEDURES: _l("Administrative procedure reform"),
            cls.ORGANISATION: _l("Reform of the state apparatus"),
            cls.CIVIL_SERVICE: _l("Civil service reform"),
            cls.PUBLIC_FINANCE: _l("Public finance reform"),
            cls.DIGITAL_GOVERNMENT: _l("E-government and digital government"),
            cls.IMPACT: _l("Impact of administrative reform"),
        }


class AnswerType(LabelledEnum):
    PASS_FAIL = "pass_fail"
    NUMBER = "number"
    PERCENT = "percent"
    TEXT = "text"
    CHOICE = "choice"

    @classmethod
    def labels(cls):
        return {
            cls.PASS_FAIL: _l("Pass / fail / not applicable"),
            cls.NUMBER: _l("Number checked against a target"),
            cls.PERCENT: _l("Percentage (numerator / denominator) checked against a target"),
            cls.TEXT: _l("Free text"),
            cls.CHOICE: _l("One choice from a list"),
        }


class TargetOperator(LabelledEnum):
    GE = ">="
    GT = ">"
    EQ = "="
    LE = "<="
    LT = "<"

    @classmethod
    def labels(cls):
        return {cls.GE: "≥", cls.GT: ">", cls.EQ: "=", cls.LE: "≤", cls.LT: "<"}


class EvidenceRule(LabelledEnum):
    NEVER = "never"
    ALWAYS = "always"
    ON_FAIL = "on_fail"

    @classmethod
    def labels(cls):
        return {cls.NEVER: _l("Not required"), cls.ALWAYS: _l("Always"), cls.ON_FAIL: _l("When the item fails")}


class Severity(LabelledEnum):
    """The scale of Nghị định 172/2025."""

    MINOR = "minor"
    SERIOUS = "serious"
    VERY_SERIOUS = "very_serious"

    @classmethod
    def labels(cls):
        return {cls.MINOR: _l("Less serious"), cls.SERIOUS: _l("Serious"), cls.VERY_SERIOUS: _l("Very serious")}


DEFAULT_GRADING_BANDS = [
    {"label": "Tốt", "min_percent": 90},
    {"label": "Khá", "min_percent": 70},
    {"label": "Trung bình", "min_percent": 50},
    {"label": "Yếu", "min_percent": 0},
]


class ChecklistTemplate(TimestampMixin, db.Model):
    __tablename__ = "checklist_template"
    __table_args__ = (sa.UniqueConstraint("family", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The code shared by every version of one checklist, e.g. "KTCV".
    family: Mapped[str] = mapped_column(sa.String(32), index=True)
    version: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(sa.String(255))
    scope: Mapped[str] = mapped_column(sa.Text, default="")
    legal_basis: Mapped[str] = mapped_column(sa.Text, default="")  # one document per line
    status: Mapped[TemplateStatus] = mapped_column(
        enum_column(TemplateStatus, name="template_status"), default=TemplateStatus.DRAFT
    )
    # [{"label": "Tốt", "min_percent": 90}, …], highest band first.
    grading_bands: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=lambda: list(DEFAULT_GRADING_BANDS))
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    published_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))

    sections: Mapped[list["ChecklistSection"]] = relationship(
        back_populates="template", order_by="ChecklistSection.position", cascade="all, delete-orphan"
    )
    published_by: Mapped[Optional[User]] = relationship()

    @property
    def is_editable(self) -> bool:
        return self.status == TemplateStatus.DRAFT

    @property
    def items(self) -> list["ChecklistItem"]:
        return [item for section in self.sections for item in section.items]

    def __repr__(self) -> str:
        return f"<ChecklistTemplate {self.family} v{self.version}>"


class ChecklistSection(db.Model):
    __tablename__ = "checklist_section"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_template.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(sa.String(32), default="")
    title: Mapped[str] = mapped_column(sa.String(255))
    par_area: Mapped[Optional[ParArea]] = mapped_column(enum_column(ParArea, name="par_area"))

    template: Mapped[ChecklistTemplate] = relationship(back_populates="sections")
    items: Mapped[list["ChecklistItem"]] = relationship(
        back_populates="section", order_by="ChecklistItem.position", cascade="all, delete-orphan"
    )


class ChecklistItem(db.Model):
    __tablename__ = "checklist_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_section.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(sa.String(32), default="")
    question: Mapped[str] = mapped_column(sa.Text)
    guidance: Mapped[str] = mapped_column(sa.Text, default="")
    legal_basis: Mapped[str] = mapped_column(sa.Text, default="")
    legal_basis_unverified: Mapped[bool] = mapped_column(default=False)
    answer_type: Mapped[AnswerType] = mapped_column(enum_column(AnswerType, name="answer_type"))
    target_operator: Mapped[Optional[TargetOperator]] = mapped_column(
        enum_column(TargetOperator, name="target_operator")
    )
    target_value: Mapped[Optional[float]]
    unit: Mapped[str] = mapped_column(sa.String(32), default="")  # người, ngày, %…
    # Percentages: what the inspector counts, e.g. "Số hồ sơ đúng hạn" / "Tổng số hồ sơ".
    formula: Mapped[str] = mapped_column(sa.Text, default="")
    numerator_label: Mapped[str] = mapped_column(sa.String(255), default="")
    denominator_label: Mapped[str] = mapped_column(sa.String(255), default="")
    # Choice answers: [{"value": "a", "label": "…", "passes": true | false | null (not applicable)}].
    choices: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    weight: Mapped[float] = mapped_column(default=1.0)
    evidence_required: Mapped[EvidenceRule] = mapped_column(
        enum_column(EvidenceRule, name="evidence_rule"), default=EvidenceRule.NEVER
    )
    default_severity: Mapped[Severity] = mapped_column(enum_column(Severity, name="severity"), default=Severity.MINOR)

    section: Mapped[ChecklistSection] = relationship(back_populates="items")

    @property
    def target_label(self) -> str:
        if self.target_operator is None or self.target_value is None:
            return ""
        value = f"{self.target_value:g}"
        return f"{self.target_operator.label} {value}{' ' + self.unit if self.unit else ''}"
