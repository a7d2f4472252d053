"""The documents of the inspection work: those an inspection produces, the minutes (biên bản kiểm tra)
and the conclusion notice (thông báo kết luận kiểm tra); the year's inspection plan (kế hoạch kiểm
tra) and the periodic report (báo cáo kết quả kiểm tra), which belong to an issuing body and the
period they cover rather than to one inspection; and the number series of each issuing body.

A document is a draft while the team edits it; finalising gives it its number and freezes what it
says (`snapshot`, the data it was drawn from, and `content_html`, the page as rendered), so a later
change to the inspection never alters it; the uploaded signed scan makes it "signed". A signed
document is never edited again: a correction is a new document that names the one it corrects.
"""
from datetime import date, datetime
from typing import Any, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from app.models.inspection import Inspection
from app.models.unit import IssuingBody
from app.models.user import User


class DocumentKind(LabelledEnum):
    MINUTES = "minutes"
    CONCLUSION = "conclusion"
    PLAN = "plan"  # the year's plan, or an amended plan (Document.amends_id names the plan it amends)
    REPORT = "report"  # the periodic report to the steering committee, of a period and a scope

    @classmethod
    def labels(cls):
        return {cls.MINUTES: _l("Inspection minutes"), cls.CONCLUSION: _l("Conclusion notice"),
                cls.PLAN: _l("Inspection plan"), cls.REPORT: _l("Inspection report")}


class DocumentStatus(LabelledEnum):
    DRAFT = "draft"
    FINAL = "final"  # numbered and frozen, waiting for signatures
    SIGNED = "signed"  # the signed scan is uploaded

    @classmethod
    def labels(cls):
        return {cls.DRAFT: _l("Draft"), cls.FINAL: _l("Final, to be signed"), cls.SIGNED: _l("Signed")}


# The drafts of plans and reports kept to one each (partial unique indexes, on SQLite and PostgreSQL).
DRAFT_OF_PERIOD = ("status = 'draft' AND kind IN ('plan', 'report') AND corrects_id IS NULL "
                   "AND amends_id IS NULL")
DRAFT_AMENDMENT = "status = 'draft' AND kind = 'plan' AND corrects_id IS NULL"
DRAFT_CORRECTION = "status = 'draft' AND kind IN ('plan', 'report')"


class Document(TimestampMixin, db.Model):
    __table_args__ = (
        # A number is given once per issuing body, kind and year (05/BB-ĐKT of 2026 is one document).
        sa.UniqueConstraint("issuing_body_id", "kind", "year", "number_seq"),
        sa.Index("ix_document_inspection_kind", "inspection_id", "kind"),
        sa.Index("ix_document_kind_period_start", "kind", "period_start"),
        # A minutes or a conclusion belongs to an inspection; a plan to the period it covers.
        sa.CheckConstraint("(inspection_id IS NOT NULL) = (kind IN ('minutes', 'conclusion'))",
                           name="owner_of_kind"),
        sa.CheckConstraint("kind IN ('plan', 'report') OR (period_start IS NULL AND period_end IS NULL)",
                           name="period_of_kind"),
        # One open draft of each plan and report: of the year's plan or a report's period and scope, of an
        # amended plan per plan amended, of a correction per plan or report corrected. Two starts at once
        # (a double click) insert one draft; the other is refused here and opens that one.
        sa.Index("uq_document_draft_of_period", "kind", "period_start", "period_end", "scope", unique=True,
                 sqlite_where=sa.text(DRAFT_OF_PERIOD), postgresql_where=sa.text(DRAFT_OF_PERIOD)),
        sa.Index("uq_document_draft_amendment", "amends_id", unique=True,
                 sqlite_where=sa.text(DRAFT_AMENDMENT), postgresql_where=sa.text(DRAFT_AMENDMENT)),
        sa.Index("uq_document_draft_correction", "corrects_id", unique=True,
                 sqlite_where=sa.text(DRAFT_CORRECTION), postgresql_where=sa.text(DRAFT_CORRECTION)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("inspection.id"))
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind, name="document_kind"))
    status: Mapped[DocumentStatus] = mapped_column(
        enum_column(DocumentStatus, name="document_status"), default=DocumentStatus.DRAFT, index=True)
    issuing_body_id: Mapped[int] = mapped_column(sa.ForeignKey("issuing_body.id"), index=True)
    # Given when finalised: the sequence number in its series, the year of the series and the
    # number as printed, e.g. 5, 2026, "05/BB-ĐKT".
    number_seq: Mapped[Optional[int]]
    year: Mapped[Optional[int]]
    number: Mapped[Optional[str]] = mapped_column(sa.String(64))
    date: Mapped[Optional[date]]  # the document's date ("Kon Tum, ngày … tháng … năm …")
    place: Mapped[str] = mapped_column(sa.String(255), default="")  # where the meeting took place
    # The parts the team lead (or the leader) writes: summary, times, the unit's side, the unit's
    # opinion, copies, recipients… (app.services.documents.TEXT_FIELDS names them per kind).
    texts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Frozen when finalised: the data the document was drawn from and the page as rendered. The print
    # view, the PDF and the Word file of a final document are all made from these, never from the
    # inspection as it is now.
    snapshot: Mapped[Optional[dict[str, Any]]] = mapped_column(sa.JSON)
    content_html: Mapped[Optional[str]] = mapped_column(sa.Text)
    # The period a plan covers (1 January to 31 December of the plan's year) or a report reports on;
    # None for an inspection's document.
    period_start: Mapped[Optional[date]]
    period_end: Mapped[Optional[date]]
    # A report's units: "" for all, else a kind of unit (app.models.UnitKind value).
    scope: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")
    corrects_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("document.id"), index=True)
    # An amended plan (kế hoạch điều chỉnh, bổ sung) names the issued plan whose changes it lists.
    amends_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("document.id"), index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    finalised_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    locked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    signed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    row_version: Mapped[int] = mapped_column(default=1)

    inspection: Mapped[Optional[Inspection]] = relationship()
    issuing_body: Mapped[IssuingBody] = relationship()
    corrects: Mapped[Optional["Document"]] = relationship(remote_side=[id], foreign_keys=[corrects_id])
    amends: Mapped[Optional["Document"]] = relationship(remote_side=[id], foreign_keys=[amends_id])
    created_by: Mapped[Optional[User]] = relationship(foreign_keys=[created_by_id])
    finalised_by: Mapped[Optional[User]] = relationship(foreign_keys=[finalised_by_id])
    scans: Mapped[list["Attachment"]] = relationship(  # noqa: F821 (app.models.answer)
        back_populates="document", order_by="Attachment.id")

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def is_draft(self) -> bool:
        return self.status == DocumentStatus.DRAFT

    @property
    def signed_scan(self):
        """The signed scan: the last one uploaded."""
        return self.scans[-1] if self.scans else None

    @property
    def label(self) -> str:
        name = self.kind.label if self.amends_id is None else str(_l("Amended inspection plan"))
        return f"{name} {self.number}" if self.number else f"{name} ({self.status.label.lower()})"

    def __repr__(self) -> str:
        return f"<Document {self.kind.value} {self.number or self.id}>"


class DocumentSequence(db.Model):
    """The last number given in one series: an issuing body's documents of one kind in one year."""

    __tablename__ = "document_sequence"
    __table_args__ = (sa.UniqueConstraint("issuing_body_id", "kind", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuing_body_id: Mapped[int] = mapped_column(sa.ForeignKey("issuing_body.id"))
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind, name="document_kind"))
    year: Mapped[int]
    last: Mapped[int] = mapped_column(default=0)
