"""Oversight (DESIGN.md §1 step 7): the year's figures per unit, PAR INDEX areas, the most failed criteria,
findings opened and closed per month, scores over the years, and a unit's history.

Every figure is a grouped SQL aggregate over what the user may see: leaders and administrators see all,
an inspector the inspections whose team they are in (and their findings), a unit head only their own
unit's page. Scores come from `inspection_score` (app.models.report), kept per inspection and PAR area,
so no report reads the answers of a whole year except the most failed criteria, which reads one index.

The year of an inspection is the year of its planned start; a finding belongs to the year of its
inspection, as in the findings list's `year` filter, so that every number links to the list behind it.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
    Answer,
    ChecklistItem,
    ChecklistTemplate,
    Document,
    Finding,
    FindingStatus,
    Inspection,
    InspectionMember,
    InspectionScore,
    InspectionStatus,
    ParArea,
    Role,
    Unit,
    User,
)
from app.services import scoring
from app.services.findings import visible_findings
from app.services.inspections import visible_inspections

S = InspectionStatus
F = FindingStatus
# An inspection's score counts once its checklist is finished (the team reviews it, or later).
SCORED = (S.REVIEWING, S.MINUTES_SIGNED, S.CONCLUDED, S.CLOSED)
NOT_ISSUED = (F.DRAFT, F.DISMISSED)

SORT_KEYS = {
    "name": _l("Unit"),
    "planned": _l("Planned"),
    "done": _l("Done"),
    "score": _l("Latest score"),
    "open": _l("Open"),
    "overdue": _l("Overdue"),
    "closed": _l("Closed"),
    "repeats": _l("Repeats"),
}


# --- rights --------------------------------------------------------------------------------------

def can_see_dashboard(user: User) -> bool:
    """Leaders, administrators and inspectors; a unit head has their unit's page instead."""
    return user.role in (Role.ADMIN, Role.LEADER, Role.INSPECTOR)


def _inspection_scope(user: User):
    """A WHERE clause on Inspection for what `user` may see, or None for everything."""
    if user.role in (Role.ADMIN, Role.LEADER):
        return None
    if user.role == Role.INSPECTOR:
        return Inspection.id.in_(sa.select(InspectionMember.inspection_id).where(InspectionMember.user_id == user.id))
    return Inspection.id.in_(visible_inspections(user).with_only_columns(Inspection.id))


def _scoped(query, user: User):
    clause = _inspection_scope(user)
    return query if clause is None else query.where(clause)


def _year(year: int):
    return Inspection.planned_start.between(date(year, 1, 1), date(year, 12, 31))


# --- grading -------------------------------------------------------------------------------------

_bands: dict[int, list] = {}  # published templates never change: their bands are kept per process


def _grading_bands(template_ids) -> dict[int, list]:
    missing = {i for i in template_ids if i not in _bands}
    if missing:
        for template_id, status, bands in db.session.execute(
                sa.select(ChecklistTemplate.id, ChecklistTemplate.status, ChecklistTemplate.grading_bands)
                .where(ChecklistTemplate.id.in_(missing))):
            if status != "draft":
                _bands[template_id] = bands or []
            else:  # a draft is not used by inspections; don't keep what may still change
                _bands.setdefault(-template_id, bands or [])
    return {i: _bands.get(i, _bands.get(-i, [])) for i in template_ids}


def percent(earned: float, possible: float) -> float | None:
    return round(earned * 100 / possible, 2) if possible else None


def grade(score: float | None, bands: list) -> str | None:
    return scoring.grade(None if score is None else f"{score:.2f}", bands)


# --- the dashboard ---------------------------------------------------------------------------------

@dataclass
class UnitRow:
    unit_id: int
    code: str
    name: str
    planned: int = 0
    done: int = 0
    score: float | None = None
    grade: str | None = None
    latest_inspection_id: int | None = None
    open: int = 0
    overdue: int = 0
    closed: int = 0
    repeats: int = 0
    trend: list = field(default_factory=list)  # [(year, score)], oldest first

    def sort_value(self, key: str):
        if key == "name":
            return (self.name.casefold(),)
        value = getattr(self, key)
        return (value is None, value if value is not None else 0)


@dataclass
class HeatRow:
    unit_id: int
    name: str
    cells: dict  # area value → (failed, scored) over the year's scored inspections

    def share(self, area: str) -> float | None:
        failed, scored = self.cells.get(area, (0, 0))
        return failed / scored if scored else None

    @property
    def overall(self) -> float:
        failed = sum(f for f, _ in self.cells.values())
        scored = sum(s for _, s in self.cells.values())
        return failed / scored if scored else 0.0


@dataclass
class Dashboard:
    year: int
    today: date
    units: list[UnitRow]
    areas: list[ParArea]
    heat: list[HeatRow]
    top_failed: list[dict]
    monthly: list[dict]  # [{"month": 1..12, "opened": n, "closed": n}]
    trend: list[dict]  # [{"year": y, "score": average of the units' scores, "inspections": n}]
    years: list[int]
    totals: dict


def dashboard(user: User, year: int, today: date, sort: str = "name", descending: bool = False) -> Dashboard:
    """The year's figures in seven grouped queries (eight the first time a template's bands are read)."""
    rows: dict[int, UnitRow] = {}

    def row(unit_id, code, name) -> UnitRow:
        return rows.setdefault(unit_id, UnitRow(unit_id, code, name))

    # 1. Inspections per unit: planned (not cancelled) and done (scored).
    inspections = _scoped(
        sa.select(Unit.id, Unit.code, Unit.name,
                  sa.func.count().filter(Inspection.status != S.CANCELLED),
                  sa.func.count().filter(Inspection.status.in_(SCORED)))
        .select_from(Inspection).join(Unit, Unit.id == Inspection.unit_id)
        .where(_year(year)).group_by(Unit.id, Unit.code, Unit.name), user)
    for unit_id, code, name, planned, done in db.session.execute(inspections):
        r = row(unit_id, code, name)
        r.planned, r.done = planned, done

    # 2. Issued findings per responsible unit, by the year of their inspection.
    active = Finding.status.in_(ACTIVE_STATUSES)
    findings = (
        visible_findings(user)
        .with_only_columns(Unit.id, Unit.code, Unit.name,
                           sa.func.count().filter(active),
                           sa.func.count().filter(active, Finding.due_date < today),
                           sa.func.count().filter(Finding.status == F.CLOSED),
                           sa.func.count().filter(Finding.repeat_of_id.is_not(None)))
        .join_from(Finding, Inspection, Inspection.id == Finding.inspection_id)
        .join_from(Finding, Unit, Unit.id == Finding.unit_id)
        .where(_year(year), Finding.status.not_in(NOT_ISSUED))
        .group_by(Unit.id, Unit.code, Unit.name))
    for unit_id, code, name, open_, overdue, closed, repeats in db.session.execute(findings):
        r = row(unit_id, code, name)
        r.open, r.overdue, r.closed, r.repeats = open_, overdue, closed, repeats

    # 3. Scores of the year's scored inspections, per PAR area: the latest per unit and the heat map.
    scores = _scoped(
        sa.select(Inspection.id, Inspection.unit_id, Inspection.planned_start, Inspection.template_id,
                  InspectionScore.par_area, InspectionScore.passed, InspectionScore.failed,
                  InspectionScore.earned, InspectionScore.possible)
        .select_from(InspectionScore).join(Inspection, Inspection.id == InspectionScore.inspection_id)
        .where(_year(year), Inspection.status.in_(SCORED)), user)
    per_inspection: dict[int, list] = {}
    heat_cells: dict[int, dict] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    seen_areas = set()
    for inspection_id, unit_id, start, template_id, area, passed, failed, earned, possible in db.session.execute(scores):
        entry = per_inspection.setdefault(inspection_id, [unit_id, start, template_id, 0.0, 0.0])
        entry[3] += earned
        entry[4] += possible
        if area:
            seen_areas.add(area)
            cell = heat_cells[unit_id][area]
            cell[0] += failed
            cell[1] += passed + failed
    latest: dict[int, tuple] = {}
    for inspection_id, (unit_id, start, template_id, earned, possible) in per_inspection.items():
        if possible and (unit_id not in latest or (start, inspection_id) > latest[unit_id][:2]):
            latest[unit_id] = (start, inspection_id, template_id, percent(earned, possible))
    bands = _grading_bands({v[2] for v in latest.values()})
    for unit_id, (_start, inspection_id, template_id, score) in latest.items():
        r = rows.get(unit_id)
        if r is not None:
            r.score, r.latest_inspection_id, r.grade = score, inspection_id, grade(score, bands[template_id])

    # 4. Scores per unit and year, all years: each unit's trend, the overall trend, the years to choose.
    trend_query = _scoped(
        sa.select(Inspection.unit_id, sa.extract("year", Inspection.planned_start).label("year"),
                  sa.func.sum(InspectionScore.earned), sa.func.sum(InspectionScore.possible),
                  sa.func.count(sa.distinct(Inspection.id)))
        .select_from(InspectionScore).join(Inspection, Inspection.id == InspectionScore.inspection_id)
        .where(Inspection.status.in_(SCORED))
        .group_by(Inspection.unit_id, sa.extract("year", Inspection.planned_start)), user)
    by_year: dict[int, list] = defaultdict(list)
    counts_by_year: dict[int, int] = defaultdict(int)
    for unit_id, y, earned, possible, n in db.session.execute(trend_query):
        score = percent(earned or 0, possible or 0)
        y = int(y)
        if score is not None:
            by_year[y].append(score)
            counts_by_year[y] += n
            if unit_id in rows:
                rows[unit_id].trend.append((y, score))
    for r in rows.values():
        r.trend.sort()
    trend = [{"year": y, "score": round(sum(v) / len(v), 2), "inspections": counts_by_year[y]}
             for y, v in sorted(by_year.items())]

    units = sorted(rows.values(), key=lambda r: (r.sort_value(sort if sort in SORT_KEYS else "name"),
                                                 r.name.casefold()), reverse=descending)
    areas = [area for area in ParArea if area.value in seen_areas]
    heat = sorted((HeatRow(unit_id, rows[unit_id].name if unit_id in rows else "",
                           {a: tuple(c) for a, c in cells.items()}) for unit_id, cells in heat_cells.items()),
                  key=lambda h: (-h.overall, h.name))
    totals = {key: sum(getattr(r, key) for r in units) for key in ("planned", "done", "open", "overdue", "closed",
                                                                    "repeats")}
    scored = [r.score for r in units if r.score is not None]
    totals["score"] = round(sum(scored) / len(scored), 2) if scored else None
    years = sorted(set(by_year) | {year, today.year}, reverse=True)
    return Dashboard(year=year, today=today, units=units, areas=areas, heat=heat,
                     top_failed=top_failed(user, year), monthly=monthly(user, year), trend=trend, years=years,
                     totals=totals)


def top_failed(user: User, year: int, limit: int = 10) -> list[dict]:
    """The criteria failed most often in the year's scored inspections: code, question, failures, and
    the share of the inspections that scored the criterion in which it failed."""
    per_item = _scoped(
        sa.select(Answer.item_id, sa.func.count().filter(Answer.outcome == "fail").label("failed"),
                  sa.func.count().label("scored"))
        .select_from(Answer).join(Inspection, Inspection.id == Answer.inspection_id)
        .where(_year(year), Inspection.status.in_(SCORED), Answer.outcome.in_(("pass", "fail")))
        .group_by(Answer.item_id), user).subquery()
    failed = sa.func.sum(per_item.c.failed)
    query = (sa.select(ChecklistItem.code, ChecklistItem.question, failed, sa.func.sum(per_item.c.scored))
             .select_from(per_item).join(ChecklistItem, ChecklistItem.id == per_item.c.item_id)
             .group_by(ChecklistItem.code, ChecklistItem.question)
             .having(failed > 0)
             .order_by(failed.desc(), ChecklistItem.code, ChecklistItem.question).limit(limit))
    return [{"code": code, "question": question, "failed": int(n), "scored": int(total),
             "share": n / total if total else 0.0}
            for code, question, n, total in db.session.execute(query)]


def monthly(user: User, year: int) -> list[dict]:
    """Findings issued and closed in each month of `year` (UTC dates), among those the user may see."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    from datetime import datetime, timezone

    start_at = datetime(start.year, 1, 1, tzinfo=timezone.utc)
    end_at = datetime(end.year, 1, 1, tzinfo=timezone.utc)
    base = visible_findings(user).where(Finding.status.not_in(NOT_ISSUED))
    opened = base.with_only_columns(sa.extract("month", Finding.issued_at).label("month"),
                                    sa.literal("opened").label("what")).where(
        Finding.issued_at >= start_at, Finding.issued_at < end_at)
    closed = base.with_only_columns(sa.extract("month", Finding.closed_at).label("month"),
                                    sa.literal("closed").label("what")).where(
        Finding.closed_at >= start_at, Finding.closed_at < end_at)
    both = sa.union_all(opened, closed).subquery()
    months = {m: {"month": m, "opened": 0, "closed": 0} for m in range(1, 13)}
    for month, what, n in db.session.execute(
            sa.select(both.c.month, both.c.what, sa.func.count()).group_by(both.c.month, both.c.what)):
        months[int(month)][what] = n
    return list(months.values())


# --- a unit's history ------------------------------------------------------------------------------

@dataclass
class History:
    inspections: list[dict]  # newest first: inspection, score, grade
    trend: list[dict]  # [{"year": y, "score": s}] oldest first (average of the year's scored inspections)
    documents: list
    predecessors: list[Unit]
    successor: Unit | None


def unit_history(user: User, unit: Unit) -> History:
    """Every inspection of `unit` the user may see with its score, its documents, and the units it
    succeeded and that succeeded it (three queries)."""
    totals = (sa.select(InspectionScore.inspection_id, sa.func.sum(InspectionScore.earned).label("earned"),
                        sa.func.sum(InspectionScore.possible).label("possible"))
              .group_by(InspectionScore.inspection_id).subquery())
    query = (visible_inspections(user)
             .add_columns(totals.c.earned, totals.c.possible, ChecklistTemplate.grading_bands)
             .join(ChecklistTemplate, ChecklistTemplate.id == Inspection.template_id)
             .outerjoin(totals, totals.c.inspection_id == Inspection.id)
             .where(Inspection.unit_id == unit.id)
             .order_by(Inspection.planned_start.desc(), Inspection.id.desc()))
    inspections, per_year = [], defaultdict(list)
    for inspection, earned, possible, bands in db.session.execute(query):
        score = percent(earned or 0, possible or 0) if inspection.status in SCORED else None
        inspections.append({"inspection": inspection, "score": score, "grade": grade(score, bands or [])})
        if score is not None:
            per_year[inspection.planned_start.year].append(score)
    trend = [{"year": y, "score": round(sum(v) / len(v), 2)} for y, v in sorted(per_year.items())]
    documents = _documents(user, [i["inspection"].id for i in inspections])
    related = db.session.scalars(sa.select(Unit).where(
        sa.or_(Unit.successor_id == unit.id, Unit.id == (unit.successor_id or 0))).order_by(Unit.name)).all()
    return History(inspections=inspections, trend=trend, documents=documents,
                   predecessors=[u for u in related if u.successor_id == unit.id and u.id != unit.id],
                   successor=next((u for u in related if u.id == unit.successor_id), None))


def _documents(user: User, inspection_ids: list[int]) -> list:
    if not inspection_ids:
        return []
    from app.services.documents import visible_documents

    return db.session.scalars(visible_documents(user).where(Document.inspection_id.in_(inspection_ids))
                              .options(sa.orm.joinedload(Document.inspection))
                              .order_by(Document.date.desc().nulls_last(), Document.id.desc())).all()
