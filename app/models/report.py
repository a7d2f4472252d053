"""What the reports add up, kept per inspection so that no report reads every answer.

`InspectionScore` holds, for each inspection and PAR INDEX area of its checklist ("" for sections
without one), how many scored items passed, failed or were not applicable and the weights earned and
possible (app.services.scoring's rules, from each answer's stored `outcome`). They are written when the
inspection's field work ends (`refresh_scores`); the scale seed and the migration fill them with the
same INSERT … SELECT (`refresh_statement`).
"""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db

SCORES_REWRITTEN = "scores_rewritten"  # session.info: inspections whose scores this transaction rewrote


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


def refresh_scores(session: Session, inspection_ids) -> None:
    """Rewrite the score rows of these inspections from their answers, in the session's transaction.

    Called when an inspection's field work ends (app.services.inspections, "review"): reports count
    only inspections past that point, and their answers no longer change. Not on every autosave: that
    would add two statements to the busiest request and make concurrent saves on one inspection
    collide on these rows."""
    ids = sorted(set(inspection_ids))
    if not ids:
        return
    table = InspectionScore.__table__
    session.flush()
    session.execute(table.delete().where(table.c.inspection_id.in_(ids)))
    session.execute(refresh_statement(ids))
    session.info.setdefault(SCORES_REWRITTEN, set()).update(ids)
