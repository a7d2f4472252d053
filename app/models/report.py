"""What the reports add up, kept per inspection so that no report reads every answer.

`InspectionScore` holds, for each inspection and PAR INDEX area of its checklist ("" for sections
without one), how many scored items passed, failed or were not applicable and the weights earned and
possible (app.services.scoring's rules, from each answer's stored `outcome`). A session listener
rewrites an inspection's rows in the same transaction whenever one of its answers is flushed; the
scale seed and the migration fill them with the same INSERT … SELECT (`refresh_statement`).
"""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db


class InspectionScore(db.Model):
    __tablename__ = "inspection_score"

    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection.id", ondelete="CASCADE"), primary_key=True)
    par_area: Mapped[str] = mapped_column(sa.String(32), primary_key=True)  # a ParArea value, or ""
    passed: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    not_applicable: Mapped[int] = mapped_column(default=0)
    earned: Mapped[float] = mapped_column(default=0.0)
    possible: Mapped[float] = mapped_column(default=0.0)


def refresh_statement(inspection_ids=None) -> sa.Insert:
    """INSERT … SELECT of the score rows of `inspection_ids` (every inspection when None), from the answers."""
    from app.models.answer import Answer
    from app.models.checklist import ChecklistItem, ChecklistSection

    scored = Answer.outcome.in_(("pass", "fail"))
    # A literal, not a bound parameter: PostgreSQL matches the GROUP BY expression to the column's.
    area = sa.func.coalesce(ChecklistSection.par_area, sa.literal_column("''"))
    select = (
        sa.select(
            Answer.inspection_id,
            area,
            sa.func.count().filter(Answer.outcome == "pass"),
            sa.func.count().filter(Answer.outcome == "fail"),
            sa.func.count().filter(Answer.outcome == "na"),
            sa.func.coalesce(sa.func.sum(sa.case((Answer.outcome == "pass", ChecklistItem.weight), else_=0.0)), 0.0),
            sa.func.coalesce(sa.func.sum(sa.case((scored, ChecklistItem.weight), else_=0.0)), 0.0),
        )
        .join(ChecklistItem, ChecklistItem.id == Answer.item_id)
        .join(ChecklistSection, ChecklistSection.id == ChecklistItem.section_id)
        .where(Answer.outcome.is_not(None))
        .group_by(Answer.inspection_id, area)
    )
    if inspection_ids is not None:
        select = select.where(Answer.inspection_id.in_(inspection_ids))
    table = InspectionScore.__table__
    return table.insert().from_select(
        ["inspection_id", "par_area", "passed", "failed", "not_applicable", "earned", "possible"], select)


def _after_flush(session: Session, _context) -> None:
    from app.models.answer import Answer

    touched = {obj.inspection_id for obj in (*session.new, *session.dirty, *session.deleted)
               if isinstance(obj, Answer) and obj.inspection_id is not None}
    if not touched:
        return
    connection = session.connection()
    table = InspectionScore.__table__
    connection.execute(table.delete().where(table.c.inspection_id.in_(touched)))
    connection.execute(refresh_statement(sorted(touched)))


sa.event.listen(Session, "after_flush", _after_flush)
