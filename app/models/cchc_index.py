"""The yearly CCHC index (Chỉ số CCHC) of sở, ban ngành and local units, as the province publishes it
(Quyết định 35/QĐ-UBND for 2022): per unit and year the total, rank and grade, and the score and
maximum per PAR INDEX field and, when the file has them, per sub-criterion."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, enum_column, utcnow
from app.models.checklist import ParArea
from app.models.unit import Unit


class IndexResult(db.Model):
    __tablename__ = "index_result"
    __table_args__ = (sa.UniqueConstraint("year", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    total: Mapped[float]
    maximum: Mapped[float]
    rank: Mapped[Optional[int]]
    grade: Mapped[str] = mapped_column(sa.String(64), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))

    unit: Mapped[Unit] = relationship()
    scores: Mapped[list["IndexScore"]] = relationship(back_populates="result", cascade="all, delete-orphan",
                                                      order_by="IndexScore.id")

    @property
    def share(self) -> float | None:
        return self.total / self.maximum if self.maximum else None


class IndexScore(db.Model):
    """A field's score (criterion_code "") or a sub-criterion's within it."""

    __tablename__ = "index_score"
    __table_args__ = (sa.UniqueConstraint("result_id", "par_area", "criterion_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(sa.ForeignKey("index_result.id", ondelete="CASCADE"), index=True)
    par_area: Mapped[ParArea] = mapped_column(enum_column(ParArea, name="index_par_area"))
    criterion_code: Mapped[str] = mapped_column(sa.String(32), default="")
    criterion_label: Mapped[str] = mapped_column(sa.Text, default="")
    score: Mapped[float]
    maximum: Mapped[float]

    result: Mapped[IndexResult] = relationship(back_populates="scores")

    @property
    def share(self) -> float | None:
        return self.score / self.maximum if self.maximum else None
