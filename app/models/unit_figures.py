"""Each unit's figures per year, kept up to date as inspections, their scores and findings change, so
that the dashboard of whoever sees every unit reads a row per unit instead of grouping a year of rows.

`UnitYearFigures` holds, per unit and year of the inspections' planned start, what the dashboard counts:
inspections planned and done, the issued findings of which the unit is in charge (not closed, closed,
repeated), the scored inspections' summed points, and the latest scored inspection's. `UnitYearArea`
holds the failed and scored items per PAR INDEX area (the heat map), and `ItemYearFailures` how often
each checklist item failed in a year and `TemplateYearScored` how many inspections each checklist scored
(the most failed criteria and their shares). Overdue findings are not kept: they
change with the day, not with the data.

The rows are derived, like `inspection_score`, and rewritten from their sources for the (unit, year)
pairs a transaction touched. A session listener notes the inspections and findings added, deleted or
changed in what is counted (the old unit and year too when they move); just before the commit those
pairs are refreshed with one DELETE and one INSERT … SELECT per table, and the failures of a year when
one of its inspections ends field work, leaves it or moves. On PostgreSQL an advisory lock per pair
and per year, taken in order, makes a second transaction on the same ones wait, then read the first's
committed rows (READ COMMITTED gives each statement a new snapshot); SQLite lets one writer in at a
time. Bulk loads (the scale seed, the migration) call `refresh(connection)` for every pair.
"""
from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db
from app.models.answer import Answer
from app.models.finding import ACTIVE_STATUSES, ISSUED_STATUSES, Finding, FindingStatus
from app.models.inspection import FIELD_WORK_DONE, Inspection, InspectionStatus
from app.models.report import SCORES_REWRITTEN, InspectionScore

# The advisory locks' keys (one bigint): a kind in the top bits, then the unit and the year.
LOCK_PAIR, LOCK_YEAR = 517, 518


def _lock_key(kind: int, unit_id: int, year: int) -> int:
    return (kind << 48) | (unit_id << 16) | year


class UnitYearFigures(db.Model):
    __tablename__ = "unit_year_figures"
    __table_args__ = (sa.Index("ix_unit_year_figures_year", "year", "unit_id"),)

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    planned: Mapped[int] = mapped_column(default=0)  # not cancelled
    done: Mapped[int] = mapped_column(default=0)  # field work ended
    scored: Mapped[int] = mapped_column(default=0)  # done, with points possible
    earned: Mapped[float] = mapped_column(default=0.0)  # summed over the scored inspections
    possible: Mapped[float] = mapped_column(default=0.0)
    latest_inspection_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspection.id", ondelete="SET NULL"))
    latest_earned: Mapped[float | None]
    latest_possible: Mapped[float | None]
    open: Mapped[int] = mapped_column(default=0)  # issued findings not closed yet
    closed: Mapped[int] = mapped_column(default=0)
    repeats: Mapped[int] = mapped_column(default=0)


class UnitYearArea(db.Model):
    __tablename__ = "unit_year_area"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    par_area: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    failed: Mapped[int] = mapped_column(default=0)
    scored: Mapped[int] = mapped_column(default=0)  # passed + failed


class ItemYearFailures(db.Model):
    """How often each checklist item failed in a year's inspections past field work (the most failed
    criteria), rewritten for a year when one of its inspections ends field work, leaves it or moves."""

    __tablename__ = "item_year_failures"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_item.id", ondelete="CASCADE"), primary_key=True)
    failed: Mapped[int] = mapped_column(default=0)


class TemplateYearScored(db.Model):
    """How many of a year's inspections past field work were scored with each checklist: the most failed
    criteria's shares. Rewritten with the year's failures."""

    __tablename__ = "template_year_scored"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_template.id", ondelete="CASCADE"),
                                             primary_key=True)
    scored: Mapped[int] = mapped_column(default=0)


# --- rewriting the rows of some pairs -----------------------------------------------------------------

def _year_of(column):
    return sa.cast(sa.extract("year", column), sa.Integer)


def _in_year(year: int):
    """SQL: the inspection's planned start lies in `year` (a date range, which its index answers)."""
    return Inspection.planned_start.between(date(year, 1, 1), date(year, 12, 31))


def _pairs_clause(pairs, unit_column, year_column=None):
    """SQL: the (unit, year) is one of `pairs` (None: every pair), the year by the inspection's planned
    start or by `year_column`."""
    if pairs is None:
        return sa.true()
    by_year = defaultdict(list)
    for unit_id, year in pairs:
        by_year[year].append(unit_id)
    if year_column is not None:
        return sa.or_(*(sa.and_(year_column == year, unit_column.in_(sorted(units))) for year, units in by_year.items()))
    return sa.or_(*(sa.and_(_in_year(year), unit_column.in_(sorted(units))) for year, units in by_year.items()))


def _figures_select(pairs) -> sa.Select:
    """The figures of `pairs` from the inspections, their scores and the findings: one row per pair that
    has an inspection (even a cancelled one) or an issued finding, as the dashboard's own queries."""
    per_inspection = (
        sa.select(Inspection.id, Inspection.unit_id, _year_of(Inspection.planned_start).label("year"),
                  Inspection.planned_start, Inspection.status,
                  sa.func.coalesce(sa.func.sum(InspectionScore.earned), 0.0).label("earned"),
                  sa.func.coalesce(sa.func.sum(InspectionScore.possible), 0.0).label("possible"))
        .outerjoin(InspectionScore, InspectionScore.inspection_id == Inspection.id)
        .where(_pairs_clause(pairs, Inspection.unit_id))
        .group_by(Inspection.id, Inspection.unit_id, Inspection.planned_start, Inspection.status)
    ).subquery()
    i = per_inspection.c
    is_scored = sa.and_(i.status.in_(FIELD_WORK_DONE), i.possible > 0)
    ranked = sa.select(i.id, i.unit_id, i.year, i.status, i.earned, i.possible, is_scored.label("is_scored"),
                       sa.func.row_number().over(partition_by=(i.unit_id, i.year, is_scored),
                                                 order_by=(i.planned_start.desc(), i.id.desc())).label("place")
                       ).subquery()
    r = ranked.c
    latest = sa.and_(r.is_scored, r.place == 1)
    zero = sa.literal(0)
    inspections = sa.select(
        r.unit_id, r.year,
        sa.func.count().filter(r.status != InspectionStatus.CANCELLED).label("planned"),
        sa.func.count().filter(r.status.in_(FIELD_WORK_DONE)).label("done"),
        sa.func.count().filter(r.is_scored).label("scored"),
        sa.func.coalesce(sa.func.sum(r.earned).filter(r.is_scored), 0.0).label("earned"),
        sa.func.coalesce(sa.func.sum(r.possible).filter(r.is_scored), 0.0).label("possible"),
        sa.func.max(r.id).filter(latest).label("latest_inspection_id"),
        sa.func.max(r.earned).filter(latest).label("latest_earned"),
        sa.func.max(r.possible).filter(latest).label("latest_possible"),
        zero.label("open"), zero.label("closed"), zero.label("repeats"),
    ).group_by(r.unit_id, r.year)
    none = sa.null()
    findings = (
        sa.select(Finding.unit_id, _year_of(Inspection.planned_start).label("year"),
                  zero, zero, zero, sa.literal(0.0), sa.literal(0.0), none, none, none,
                  sa.func.count().filter(Finding.status.in_(ACTIVE_STATUSES)),
                  sa.func.count().filter(Finding.status == FindingStatus.CLOSED),
                  sa.func.count().filter(Finding.repeat_of_id.is_not(None)))
        .join(Inspection, Inspection.id == Finding.inspection_id)
        .where(Finding.status.in_(ISSUED_STATUSES), _pairs_clause(pairs, Finding.unit_id))
        .group_by(Finding.unit_id, _year_of(Inspection.planned_start))
    )
    both = sa.union_all(inspections, findings).subquery()
    b = both.c
    return sa.select(b.unit_id, b.year, *(sa.func.sum(b[name]) for name in ("planned", "done", "scored", "earned",
                                                                             "possible")),
                     *(sa.func.max(b[name]) for name in ("latest_inspection_id", "latest_earned", "latest_possible")),
                     *(sa.func.sum(b[name]) for name in ("open", "closed", "repeats"))
                     ).group_by(b.unit_id, b.year)


def _areas_select(pairs) -> sa.Select:
    return (sa.select(Inspection.unit_id, _year_of(Inspection.planned_start), InspectionScore.par_area,
                      sa.func.sum(InspectionScore.failed), sa.func.sum(InspectionScore.passed + InspectionScore.failed))
            .join(InspectionScore, InspectionScore.inspection_id == Inspection.id)
            .where(Inspection.status.in_(FIELD_WORK_DONE), InspectionScore.par_area != "",
                   _pairs_clause(pairs, Inspection.unit_id))
            .group_by(Inspection.unit_id, _year_of(Inspection.planned_start), InspectionScore.par_area))


FIGURES_COLUMNS = ["unit_id", "year", "planned", "done", "scored", "earned", "possible", "latest_inspection_id",
                   "latest_earned", "latest_possible", "open", "closed", "repeats"]


def _in_years(years):
    return sa.true() if years is None else sa.or_(*(_in_year(year) for year in years))


def _failures_select(years) -> sa.Select:
    return (sa.select(_year_of(Inspection.planned_start), Answer.item_id, sa.func.count())
            .join(Inspection, Inspection.id == Answer.inspection_id)
            .where(Inspection.status.in_(FIELD_WORK_DONE), Answer.outcome == "fail", _in_years(years))
            .group_by(_year_of(Inspection.planned_start), Answer.item_id))


def _scored_select(years) -> sa.Select:
    has_points = sa.exists().where(InspectionScore.inspection_id == Inspection.id, InspectionScore.possible > 0)
    return (sa.select(_year_of(Inspection.planned_start), Inspection.template_id, sa.func.count())
            .where(Inspection.status.in_(FIELD_WORK_DONE), has_points, _in_years(years))
            .group_by(_year_of(Inspection.planned_start), Inspection.template_id))


def refresh(connection: sa.Connection, pairs=None, failure_years=None) -> None:
    """Rewrite the rows of these (unit, year) pairs and the failures of these years from their sources
    (everything when both are None)."""
    everything = pairs is None and failure_years is None
    pairs = None if everything else sorted(set(pairs or ()))
    failure_years = None if everything else sorted(set(failure_years or ()))
    if not everything and connection.dialect.name == "postgresql":
        keys = [_lock_key(LOCK_PAIR, unit_id, year) for unit_id, year in pairs] + [
            _lock_key(LOCK_YEAR, 0, year) for year in failure_years]
        for key in keys:
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.cast(key, sa.BigInteger))))
    if everything or pairs:
        for table, select, columns in (
                (UnitYearFigures.__table__, _figures_select(pairs), FIGURES_COLUMNS),
                (UnitYearArea.__table__, _areas_select(pairs), ["unit_id", "year", "par_area", "failed", "scored"])):
            connection.execute(table.delete().where(_pairs_clause(pairs, table.c.unit_id, table.c.year)))
            connection.execute(table.insert().from_select(columns, select))
    if everything or failure_years:
        for table, select, columns in (
                (ItemYearFailures.__table__, _failures_select(failure_years), ["year", "item_id", "failed"]),
                (TemplateYearScored.__table__, _scored_select(failure_years), ["year", "template_id", "scored"])):
            connection.execute(table.delete().where(
                sa.true() if failure_years is None else table.c.year.in_(failure_years)))
            connection.execute(table.insert().from_select(columns, select))


# --- noting what a transaction touched --------------------------------------------------------------

COUNTED = {Inspection: ("unit_id", "planned_start", "status"),
           Finding: ("unit_id", "inspection_id", "status", "repeat_of_id")}


def _old_values(obj, names) -> dict:
    """The values before this flush of the attributes that changed."""
    state = sa.inspect(obj)
    old = {}
    for name in names:
        history = state.attrs[name].history
        if history.has_changes():
            old[name] = history.deleted[0] if history.deleted else getattr(obj, name)
    return old


def _note(session: Session, _context, _instances) -> None:
    """Before a flush: note the inspections and findings whose change moves a figure, and the unit and
    year they had. New rows get their ids and links in the flush: those objects are read after it."""
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        names = COUNTED.get(type(obj))
        if names is None:
            continue
        old = {} if obj in session.new else _old_values(obj, names)
        if obj in session.dirty and not old:
            continue
        touched = _touched(session)
        if isinstance(obj, Inspection):
            start = old.get("planned_start", obj.planned_start)
            touched["inspections"].add((old.get("unit_id", obj.unit_id), start.year))
            if {old.get("status", obj.status), obj.status} & FIELD_WORK_DONE:  # its failed answers count
                touched["failure_years"].update({start.year, obj.planned_start.year})
            if obj not in session.deleted:
                touched["inspections"].add(obj)
            if obj.id is not None and start.year != obj.planned_start.year:  # its findings move with it
                touched["moved"].update({(obj.id, start.year), (obj.id, obj.planned_start.year)})
        else:
            touched["findings"].add((obj.unit_id, obj.inspection_id) if obj in session.deleted else obj)
            if "unit_id" in old or "inspection_id" in old:
                touched["findings"].add((old.get("unit_id", obj.unit_id), old.get("inspection_id", obj.inspection_id)))


def _touched(session: Session) -> dict:
    return session.info.setdefault("figures_touched", {"inspections": set(), "findings": set(), "moved": set(),
                                                       "rescored": set(), "failure_years": set()})


def _pairs_and_years(session: Session, touched: dict) -> tuple[set[tuple[int, int]], set[int]]:
    """The (unit, year) pairs and the years of failures of what was noted, read once the flushes are done."""
    years = set(touched["failure_years"])
    pairs = {i if isinstance(i, tuple) else (i.unit_id, i.planned_start.year) for i in touched["inspections"]}
    findings = [f if isinstance(f, tuple) else (f.unit_id, f.inspection_id) for f in touched["findings"]]
    moved = touched["moved"]
    ids = {inspection_id for _unit, inspection_id in findings if inspection_id is not None} | touched["rescored"]
    if ids:
        year_of, unit_of = {}, {}
        for inspection_id, unit_id, start in session.execute(sa.select(
                Inspection.id, Inspection.unit_id, Inspection.planned_start).where(Inspection.id.in_(sorted(ids)))):
            year_of[inspection_id], unit_of[inspection_id] = start.year, unit_id
        pairs.update((unit_id, year_of[i]) for unit_id, i in findings if i in year_of and unit_id is not None)
        pairs.update((unit_of[i], year_of[i]) for i in touched["rescored"] if i in year_of)
        years.update(year_of[i] for i in touched["rescored"] if i in year_of)
    if moved:
        units_of = defaultdict(set)
        for inspection_id, unit_id in session.execute(sa.select(Finding.inspection_id, Finding.unit_id).distinct()
                                                      .where(Finding.inspection_id.in_(sorted({i for i, _ in moved})))):
            units_of[inspection_id].add(unit_id)
        pairs.update((unit_id, year) for inspection_id, year in moved for unit_id in units_of[inspection_id])
    return {(unit_id, year) for unit_id, year in pairs if unit_id is not None}, years


def _refresh_touched(session: Session) -> None:
    """Before the commit (whose own flush comes after this): flush, then rewrite the touched pairs in the
    same transaction."""
    session.flush()
    rescored = session.info.pop(SCORES_REWRITTEN, set())
    if rescored:
        _touched(session)["rescored"].update(rescored)
    if "figures_touched" in session.info:
        refresh(session.connection(), *_pairs_and_years(session, session.info.pop("figures_touched")))


def _forget(session: Session, _transaction) -> None:
    """After a rollback of the whole transaction; a savepoint's keeps them (a pair too many costs nothing)."""
    if not session.in_transaction():
        session.info.pop("figures_touched", None)
        session.info.pop(SCORES_REWRITTEN, None)


sa.event.listen(Session, "before_flush", _note)
sa.event.listen(Session, "before_commit", _refresh_touched)
sa.event.listen(Session, "after_soft_rollback", _forget)
