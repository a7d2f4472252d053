"""Oversight (DESIGN.md §1 step 7): the year's figures per unit, PAR INDEX areas, the most failed criteria,
findings opened and closed per month, scores over the years, directive tasks and the yearly CCHC index
per unit, and a unit's history.

Every figure is a grouped SQL aggregate over what the user may see: leaders and administrators see all,
an inspector the inspections whose team they are in (and their findings), a unit head only their own
unit's page. Scores come from `inspection_score` (app.models.report), kept per inspection and PAR area,
so no report reads the answers of a whole year except the most failed criteria, which reads one index.
Whoever sees every unit reads the dashboard's per-unit figures from `unit_year_figures` (app.models.
unit_figures), kept per unit and year as the data changes; a scope (an inspector's) and a period (the
periodic report's) are grouped from the rows, by the same rules.

The year of an inspection is the year of its planned start; a finding belongs to the year of its
inspection, as in the findings list's `year` filter, so that every number links to the list behind it.
"""
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.database import plain_rows
from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
    Answer,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Document,
    Finding,
    FindingStatus,
    FollowUpItem,
    IndexResult,
    Inspection,
    InspectionMember,
    InspectionScore,
    InspectionStatus,
    ItemYearFailures,
    ParArea,
    Role,
    TemplateYearScored,
    Unit,
    UnitYearArea,
    UnitYearFigures,
    User,
)
from app.models.inspection import FIELD_WORK_DONE
from app import clock
from app.services import cchc_index, deadlines, follow_ups, scoring
from app.services.permissions import (
    is_manager,
    is_staff,
    visible_documents,
    visible_findings,
    visible_inspections,
)

NOT_ISSUED = (FindingStatus.DRAFT, FindingStatus.DISMISSED)
TREND_YEARS = 6  # the scores over the years: the chosen year and the five before it
HEAT_MOST = 25  # the heat map's units with the largest share of failed items; every unit on request

SORT_KEYS = {
    "name": _l("Unit"),
    "planned": _l("Planned"),
    "done": _l("Done"),
    "score": _l("Latest score"),
    "open": _l("Not closed"),  # issued findings not closed yet (not the "open" state alone)
    "overdue": _l("Overdue"),
    "closed": _l("Closed"),
    "repeats": _l("Repeats"),
    "tasks_overdue": _l("Tasks overdue"),
    "index_total": _l("CCHC index"),
}


# --- rights --------------------------------------------------------------------------------------

def can_see_dashboard(user: User) -> bool:
    """Leaders, administrators and inspectors; a unit head has their unit's page instead."""
    return is_staff(user)


def _inspection_scope(user: User):
    """A WHERE clause on Inspection for what `user` may see, or None for everything."""
    if is_manager(user):
        return None
    if user.role == Role.INSPECTOR:
        return Inspection.id.in_(sa.select(InspectionMember.inspection_id).where(InspectionMember.user_id == user.id))
    return Inspection.id.in_(visible_inspections(user).with_only_columns(Inspection.id))


def _scoped(query, user: User):
    clause = _inspection_scope(user)
    return query if clause is None else query.where(clause)


def planned_within(start: date, end: date):
    """SQL: the inspection's planned start lies in the period (the year of a dashboard, or a report's)."""
    return Inspection.planned_start.between(start, end)


def _year(year: int):
    return planned_within(date(year, 1, 1), date(year, 12, 31))


# --- grading -------------------------------------------------------------------------------------

def _grading_bands(template_ids) -> dict[int, list]:
    """The grading bands of the templates, highest first (one query, only when some unit has a score)."""
    if not template_ids:
        return {}
    return {template_id: scoring.ordered_bands(bands or []) for template_id, bands in plain_rows(
        sa.select(ChecklistTemplate.id, ChecklistTemplate.grading_bands).where(ChecklistTemplate.id.in_(template_ids)))}


def percent(earned: float, possible: float) -> float | None:
    """A score from summed points, rounded as scoring rounds it (half up on the exact quotient)."""
    if not possible:
        return None
    return float(scoring.percent(Decimal(str(earned)), Decimal(str(possible))))


def grade(score: float | None, bands: list) -> str | None:
    return grade_in(score, scoring.ordered_bands(bands))


def grade_in(score: float | None, ordered_bands: list) -> str | None:
    """`grade` with the bands already in `scoring.ordered_bands`' order, for many scores at once."""
    return None if score is None else scoring.grade_in(Decimal(f"{score:.2f}"), ordered_bands)


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
    tasks: int = 0  # directive tasks given to the unit, done (on time or late) and overdue
    tasks_done: int = 0
    tasks_overdue: int = 0
    index_total: float | None = None  # the latest CCHC index up to the year, and its weakest field
    index_weakest: ParArea | None = None

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

    def detail(self, area: str) -> str | None:
        failed, scored = self.cells.get(area, (0, 0))
        return f"{failed}/{scored}" if scored else None

    @property
    def overall(self) -> float:
        return failed_share(sum(f for f, _ in self.cells.values()), sum(s for _, s in self.cells.values()))


def failed_share(failed: int, scored: int) -> float:
    """The share of a unit's scored items that failed, which orders the heat map's units."""
    return failed / scored if scored else 0.0


@dataclass
class Dashboard:
    year: int
    today: date
    units: list[UnitRow]
    areas: list[ParArea]
    heat: list[HeatRow]  # the HEAT_MOST units with most failures, or every unit (whole_heat)
    heat_units: int  # how many units the heat map has in all
    top_failed: list[dict]
    monthly: list[dict]  # [{"month": 1..12, "opened": n, "closed": n}]
    trend: list[dict]  # [{"year": y, "score": average of the units' scores, "inspections": n}]
    years: list[int]
    totals: dict
    index_year: int | None = None
    index_heat: list = field(default_factory=list)  # [cchc_index.IndexHeatRow]


# The figures of a (scope, year, day) are kept per process while the data they come from is unchanged:
# every change of a finding, an inspection or a unit moves its `updated_at` (indexed), and answers count
# only once their inspection is finished, when they no longer change. One cheap query checks that.
# REPORTS_KEEP (default 16) sets how many are kept; 0 computes every time.
_computed: "OrderedDict[tuple, Dashboard]" = OrderedDict()


def _data_stamp(year: int) -> tuple:
    return tuple(plain_rows(sa.select(
        sa.select(sa.func.max(Finding.updated_at)).scalar_subquery(),
        sa.select(sa.func.max(Inspection.updated_at)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(Inspection).where(_year(year)).scalar_subquery(),
        sa.select(sa.func.max(Unit.updated_at)).scalar_subquery(),
        sa.select(sa.func.max(FollowUpItem.updated_at)).scalar_subquery(),
        sa.select(sa.func.max(IndexResult.imported_at)).scalar_subquery(),
    )).one())


def dashboard(user: User, year: int, today: date, sort: str = "name", descending: bool = False,
              whole_heat: bool = False) -> Dashboard:
    """The year's figures, computed (`_compute`), or kept from the last time when nothing changed since;
    the heat map has every unit only when `whole_heat`."""
    keep = current_app.config["REPORTS_KEEP"]
    if keep:
        scope = "all" if _inspection_scope(user) is None else f"{user.role.value}:{user.id}"
        key = (str(db.engine.url), id(db.engine), scope, year, today, whole_heat, _data_stamp(year))
        data = _computed.get(key)
        if data is None:
            data = _computed[key] = _compute(user, year, today, whole_heat)
            while len(_computed) > keep:
                _computed.popitem(last=False)
    else:
        data = _compute(user, year, today, whole_heat)
    units = sorted(data.units, key=lambda r: (r.sort_value(sort if sort in SORT_KEYS else "name"), r.name.casefold()),
                   reverse=descending)
    return replace(data, units=units)


def _compute(user: User, year: int, today: date, whole_heat: bool) -> Dashboard:
    """The year's figures. Whoever sees every unit reads them from each unit's kept figures per year
    (app.models.unit_figures) and counts only the overdue findings, which change with the day; an
    inspector's, over their teams' inspections, are grouped from the inspections, scores and findings."""
    rows: dict[int, UnitRow] = {}
    everyone = _inspection_scope(user) is None
    most = None if whole_heat else HEAT_MOST
    if everyone:
        scores = _read_unit_figures(rows, year)
        _count_overdue(rows, year, today)
        heat, areas, heat_units = _kept_heat_map(rows, year, most)
    else:
        _count_inspections(rows, user, _year(year))
        _count_findings(rows, user, _year(year), today)
        scores = _sum_scores(user, year)
        heat, areas, heat_units = _heat_map(rows, _heat_query(user, year), most)
    _set_latest_scores(rows, scores.latest)
    trend, scored_years = _trends(rows, scores)
    _count_tasks(rows, today, everyone)  # an inspector's rows stay their teams' units
    index_year, index_heat = _index(rows, year, everyone)
    units = sorted(rows.values(), key=lambda r: r.name.casefold())
    years = sorted(scored_years | set(range(year - TREND_YEARS + 1, today.year + 1)) | {year}, reverse=True)
    return Dashboard(year=year, today=today, units=units, areas=areas, heat=heat, heat_units=heat_units,
                     top_failed=top_failed(user, year, None if everyone else scores.templates_in_year),
                     monthly=monthly(user, year), trend=trend, years=years, totals=_totals(units),
                     index_year=index_year, index_heat=index_heat)


def _read_unit_figures(rows: dict[int, UnitRow], year: int) -> "_ScoreSums":
    """1–3 for everyone, from the kept figures: each unit's counts and latest score in the year, and the
    scores of the trend's years."""
    f = UnitYearFigures
    query = (sa.select(Unit.id, Unit.code, Unit.name, f.planned, f.done, f.open, f.closed, f.repeats,
                       f.latest_inspection_id, Inspection.planned_start, Inspection.template_id, f.latest_earned,
                       f.latest_possible)
             .join(Unit, Unit.id == f.unit_id).outerjoin(Inspection, Inspection.id == f.latest_inspection_id)
             .where(f.year == year))
    sums = _ScoreSums()
    for unit_id, code, name, planned, done, open_, closed, repeats, latest_id, start, template_id, earned, possible \
            in plain_rows(query):
        r = _unit_row(rows, unit_id, code, name)
        r.planned, r.done, r.open, r.closed, r.repeats = planned, done, open_, closed, repeats
        if latest_id is not None:
            sums.latest[unit_id] = (start, latest_id, template_id, percent(earned, possible))
    for unit_id, y, earned, possible, scored in plain_rows(
            sa.select(f.unit_id, f.year, f.earned, f.possible, f.scored)
            .where(f.year.between(year - TREND_YEARS + 1, year), f.scored > 0)):
        sums.unit_year[(unit_id, y)] = [earned, possible]
        sums.year_inspections[y] += scored
    return sums


def _count_overdue(rows: dict[int, UnitRow], year: int, today: date) -> None:
    """Issued findings past their due date per responsible unit, for everyone (the rest is kept)."""
    overdue = (sa.select(Finding.unit_id, sa.func.count())
               .join(Inspection, Inspection.id == Finding.inspection_id)
               .where(_year(year), deadlines.overdue_clause(Finding, ACTIVE_STATUSES, today))
               .group_by(Finding.unit_id))
    for unit_id, count in plain_rows(overdue):
        if unit_id in rows:  # an issued finding gives its unit kept figures for the year
            rows[unit_id].overdue = count


def _unit_row(rows: dict[int, UnitRow], unit_id: int, code: str, name: str) -> UnitRow:
    return rows.setdefault(unit_id, UnitRow(unit_id, code, name))


def _count_inspections(rows: dict[int, UnitRow], user: User, within) -> None:
    """1. Inspections per unit: planned (not cancelled) and done (scored)."""
    inspections = _scoped(
        sa.select(Unit.id, Unit.code, Unit.name,
                  sa.func.count().filter(Inspection.status != InspectionStatus.CANCELLED),
                  sa.func.count().filter(Inspection.status.in_(FIELD_WORK_DONE)))
        .select_from(Inspection).join(Unit, Unit.id == Inspection.unit_id)
        .where(within).group_by(Unit.id, Unit.code, Unit.name), user)
    for unit_id, code, name, planned, done in plain_rows(inspections):
        r = _unit_row(rows, unit_id, code, name)
        r.planned, r.done = planned, done


def _count_findings(rows: dict[int, UnitRow], user: User, within, today: date) -> None:
    """2. Issued findings per responsible unit, by the year (or period) of their inspection."""
    active = Finding.status.in_(ACTIVE_STATUSES)
    findings = (
        visible_findings(user)
        .with_only_columns(Unit.id, Unit.code, Unit.name,
                           sa.func.count().filter(active),
                           sa.func.count().filter(active, Finding.due_date < today),
                           sa.func.count().filter(Finding.status == FindingStatus.CLOSED),
                           sa.func.count().filter(Finding.repeat_of_id.is_not(None)))
        .join_from(Finding, Inspection, Inspection.id == Finding.inspection_id)
        .join_from(Finding, Unit, Unit.id == Finding.unit_id)
        .where(within, Finding.status.not_in(NOT_ISSUED))
        .group_by(Unit.id, Unit.code, Unit.name))
    for unit_id, code, name, open_, overdue, closed, repeats in plain_rows(findings):
        r = _unit_row(rows, unit_id, code, name)
        r.open, r.overdue, r.closed, r.repeats = open_, overdue, closed, repeats


@dataclass
class _ScoreSums:
    """The scored inspections' points over the trend's years, summed as the dashboard needs them."""

    latest: dict[int, tuple] = field(default_factory=dict)  # unit → (start, inspection, template, score) in the year
    unit_year: dict[tuple[int, int], list] = field(default_factory=lambda: defaultdict(lambda: [0.0, 0.0]))
    year_inspections: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    templates_in_year: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def _sum_scores(user: User, year: int, period: tuple[date, date] | None = None) -> _ScoreSums:
    """3. Each scored inspection's total over the trend's years: the latest score per unit in the year
    (or in `period`, a report's, within the year's trend), each unit's trend, the overall trend and the
    years to choose from."""
    period_start, end = period or (date(year, 1, 1), date(year, 12, 31))
    per_inspection = _scoped(
        sa.select(Inspection.id, Inspection.unit_id, Inspection.planned_start, Inspection.template_id,
                  sa.func.sum(InspectionScore.earned), sa.func.sum(InspectionScore.possible))
        .select_from(Inspection).join(InspectionScore, InspectionScore.inspection_id == Inspection.id)
        .where(Inspection.status.in_(FIELD_WORK_DONE),
               Inspection.planned_start.between(min(period_start, date(year - TREND_YEARS + 1, 1, 1)), end))
        .group_by(Inspection.id, Inspection.unit_id, Inspection.planned_start, Inspection.template_id), user)
    sums = _ScoreSums()
    for inspection_id, unit_id, planned, template_id, earned, possible in plain_rows(per_inspection):
        if not possible:
            continue
        totals = sums.unit_year[(unit_id, planned.year)]
        totals[0] += earned
        totals[1] += possible
        sums.year_inspections[planned.year] += 1
        if period_start <= planned <= end:
            sums.templates_in_year[template_id] += 1
            if unit_id not in sums.latest or (planned, inspection_id) > sums.latest[unit_id][:2]:
                sums.latest[unit_id] = (planned, inspection_id, template_id, percent(earned, possible))
    return sums


def _set_latest_scores(rows: dict[int, UnitRow], latest: dict[int, tuple]) -> None:
    """Each unit's latest score in the year, with its grade by its checklist's bands."""
    bands = _grading_bands({v[2] for v in latest.values()})
    for unit_id, (_start, inspection_id, template_id, score) in latest.items():
        r = rows.get(unit_id)
        if r is not None:
            r.score, r.latest_inspection_id, r.grade = score, inspection_id, grade_in(score, bands[template_id])


def _trends(rows: dict[int, UnitRow], sums: _ScoreSums) -> tuple[list[dict], set[int]]:
    """Each unit's score per year (into its row), the average over the units per year, and the years scored."""
    by_year: dict[int, list] = defaultdict(list)
    for (unit_id, y), (earned, possible) in sorted(sums.unit_year.items(), key=lambda kv: kv[0][1]):
        score = percent(earned, possible)
        by_year[y].append(score)
        if unit_id in rows:
            rows[unit_id].trend.append((y, score))
    trend = [{"year": y, "score": round(sum(v) / len(v), 2), "inspections": sums.year_inspections[y]}
             for y, v in sorted(by_year.items())]
    return trend, set(by_year)


def _heat_query(user: User, year: int) -> sa.Select:
    """4. Failed and scored items per unit and PAR area over the year's scored inspections."""
    return _scoped(
        sa.select(Inspection.unit_id, InspectionScore.par_area, sa.func.sum(InspectionScore.failed),
                  sa.func.sum(InspectionScore.passed + InspectionScore.failed))
        .select_from(Inspection).join(InspectionScore, InspectionScore.inspection_id == Inspection.id)
        .where(_year(year), Inspection.status.in_(FIELD_WORK_DONE), InspectionScore.par_area != "")
        .group_by(Inspection.unit_id, InspectionScore.par_area), user)


def _kept_heat_map(rows: dict[int, UnitRow], year: int,
                   most: int | None) -> tuple[list[HeatRow], list[ParArea], int]:
    """4, for everyone: the same from the cells kept per unit and year, reading only the cells of the
    `most` units shown (at national scale 3,400 units have 24,000 cells, and 25 are shown)."""
    f = UnitYearArea
    totals = {unit_id: (failed, scored) for unit_id, failed, scored in plain_rows(
        sa.select(f.unit_id, sa.func.sum(f.failed), sa.func.sum(f.scored)).where(f.year == year).group_by(f.unit_id))}
    shown = _most_failed_first(rows, totals)[:most]
    cells = sa.select(f.unit_id, f.par_area, f.failed, f.scored).where(f.year == year)
    if most is not None:
        cells = cells.where(f.unit_id.in_(shown))
    seen_areas = set(db.session.scalars(sa.select(f.par_area).where(f.year == year).group_by(f.par_area)))
    areas = [area for area in ParArea if area.value in seen_areas]
    return _heat_rows(rows, plain_rows(cells), shown), areas, len(totals)


def _heat_map(rows: dict[int, UnitRow], cells_query: sa.Select,
              most: int | None) -> tuple[list[HeatRow], list[ParArea], int]:
    """The heat map from (unit, area, failed, scored): the `most` units with the largest share of failed
    items (every unit when None), most first; the areas that have any; and how many units it has in all."""
    cells = plain_rows(cells_query).all()
    totals: dict[int, list] = defaultdict(lambda: [0, 0])
    for unit_id, _area, failed, scored in cells:
        totals[unit_id][0] += failed
        totals[unit_id][1] += scored
    shown = _most_failed_first(rows, totals)[:most]
    seen_areas = {area for _unit, area, _failed, _scored in cells}
    areas = [area for area in ParArea if area.value in seen_areas]
    return _heat_rows(rows, cells, shown), areas, len(totals)


def _most_failed_first(rows: dict[int, UnitRow], totals: dict) -> list[int]:
    """The units of `totals` ({unit: (failed, scored)}) by their share of failed items, largest first,
    then by name."""
    return sorted(totals, key=lambda unit_id: (-failed_share(*totals[unit_id]),
                                               rows[unit_id].name if unit_id in rows else ""))


def _heat_rows(rows: dict[int, UnitRow], cells, shown: list[int]) -> list[HeatRow]:
    """A heat map row for each unit of `shown`, in that order, from (unit, area, failed, scored) `cells`."""
    by_unit: dict[int, dict] = {unit_id: {} for unit_id in shown}
    for unit_id, area, failed, scored in cells:
        if unit_id in by_unit:
            by_unit[unit_id][area] = (int(failed), int(scored))
    return [HeatRow(unit_id, rows[unit_id].name if unit_id in rows else "", unit_cells)
            for unit_id, unit_cells in by_unit.items()]


def _add_units(rows: dict[int, UnitRow], unit_ids, everyone: bool) -> None:
    """Rows for units that have tasks or an index but no inspection this year (for who sees all)."""
    missing = set(unit_ids) - rows.keys()
    if missing and everyone:
        for unit_id, code, name in plain_rows(sa.select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(missing))):
            _unit_row(rows, unit_id, code, name)


def _count_tasks(rows: dict[int, UnitRow], today: date, everyone: bool) -> None:
    """5. Directive tasks per unit: given, done and overdue (today, whatever the year)."""
    counts = follow_ups.task_counts_by_unit(None, today)
    _add_units(rows, counts, everyone)
    for unit_id, figures in counts.items():
        if unit_id not in rows:
            continue
        r = rows[unit_id]
        r.tasks, r.tasks_done, r.tasks_overdue = figures["assigned"], figures["done"], figures["overdue"]


def _index(rows: dict[int, UnitRow], year: int, everyone: bool) -> tuple[int | None, list]:
    """6. The latest CCHC index up to `year`: each unit's total and weakest field, and the heat map of
    units × fields by share of the maximum, weakest units first."""
    index_year = cchc_index.latest_year(year)
    if index_year is None:
        return None, []
    results = cchc_index.by_unit(index_year)
    _add_units(rows, results, everyone)
    ordered = []
    for unit_id, result in results.items():
        if unit_id not in rows:
            continue
        r = rows[unit_id]
        weakest, share = result.weakest_and_share()
        r.index_total, r.index_weakest = result.total, weakest
        ordered.append((share, r.name, unit_id, result))
    ordered.sort(key=lambda entry: entry[:2])
    return index_year, [cchc_index.heat_row(unit_id, name, result) for _share, name, unit_id, result in ordered]


def _totals(units: list[UnitRow]) -> dict:
    """The sums over the units, and the average of their latest scores."""
    totals = {key: sum(getattr(r, key) for r in units) for key in ("planned", "done", "open", "overdue", "closed",
                                                                    "repeats", "tasks", "tasks_done", "tasks_overdue")}
    scored = [r.score for r in units if r.score is not None]
    totals["score"] = round(sum(scored) / len(scored), 2) if scored else None
    return totals


def top_failed(user: User, year: int, scored_by_template: dict[int, int] | None = None,
               limit: int = 10) -> list[dict]:
    """The criteria failed most often in the year's scored inspections: code, question, in how many
    inspections it failed, and that as a share of the year's scored inspections that used its checklist.

    Whoever sees every unit reads both kept per year (app.models.unit_figures). A scope's failures are read
    from the answers' (inspection, outcome, item) index; `scored_by_template` (from the dashboard's query
    of scores) saves counting its inspections per checklist again."""
    if _inspection_scope(user) is None:
        failures = sa.select(ItemYearFailures.item_id, ItemYearFailures.failed).where(
            ItemYearFailures.year == year).subquery()
        scored_by_template = dict(plain_rows(sa.select(TemplateYearScored.template_id, TemplateYearScored.scored)
                                             .where(TemplateYearScored.year == year)).all())
    else:
        failures = _scoped(
            sa.select(Answer.item_id, sa.func.count().label("failed"))
            .select_from(Answer).join(Inspection, Inspection.id == Answer.inspection_id)
            .where(_year(year), Inspection.status.in_(FIELD_WORK_DONE), Answer.outcome == "fail")
            .group_by(Answer.item_id), user).subquery()
    query = (sa.select(ChecklistSection.template_id, ChecklistItem.code, ChecklistItem.question,
                       sa.func.sum(failures.c.failed))
             .select_from(failures).join(ChecklistItem, ChecklistItem.id == failures.c.item_id)
             .join(ChecklistSection, ChecklistSection.id == ChecklistItem.section_id)
             .group_by(ChecklistSection.template_id, ChecklistItem.code, ChecklistItem.question))
    if scored_by_template is None:
        scored_by_template = dict(plain_rows(_scoped(
            sa.select(Inspection.template_id, sa.func.count()).where(
                _year(year), Inspection.status.in_(FIELD_WORK_DONE),
                Inspection.id.in_(sa.select(InspectionScore.inspection_id).where(InspectionScore.possible > 0)))
            .group_by(Inspection.template_id), user)).all())
    merged: dict[tuple, list] = {}
    for template_id, code, question, failed in plain_rows(query):
        entry = merged.setdefault((code, question), [0, 0])
        entry[0] += int(failed)
        entry[1] += scored_by_template.get(template_id, 0)
    ranked = sorted(merged.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
    return [{"code": code, "question": question, "failed": failed, "scored": scored,
             "share": failed / scored if scored else 0.0}
            for (code, question), (failed, scored) in ranked]


def monthly(user: User, year: int) -> list[dict]:
    """Findings issued and closed in each month of `year` (UTC dates), among those the user may see.

    One statement of 24 counts, each a range of the issued_at or closed_at index: cheaper than reading
    the month out of every finding of the year. Only issued findings have issued_at, only closed ones
    closed_at: the ranges alone pick them."""
    edges = [datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc) for month in range(13)]
    base = visible_findings(user).with_only_columns(sa.func.count(), maintain_column_froms=True)

    def counts(column) -> list:
        return [base.where(column >= edges[i], column < edges[i + 1]).scalar_subquery() for i in range(12)]

    figures = plain_rows(sa.select(*counts(Finding.issued_at), *counts(Finding.closed_at))).one()
    return [{"month": month, "opened": figures[month - 1], "closed": figures[month + 11]} for month in range(1, 13)]


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
        score = percent(earned or 0, possible or 0) if inspection.status in FIELD_WORK_DONE else None
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
    return db.session.scalars(visible_documents(user).where(Document.inspection_id.in_(inspection_ids))
                              .options(sa.orm.joinedload(Document.inspection))
                              .order_by(Document.date.desc().nulls_last(), Document.id.desc())).all()


# --- a period's figures (the secretariat's periodic report) ----------------------------------------

@dataclass
class FindingCounts:
    """Issued findings of one group (a severity, a PAR INDEX field, or all)."""

    issued: int = 0
    active: int = 0  # not closed yet
    overdue: int = 0
    on_time: int = 0  # closed by their due date (local day)
    late: int = 0  # closed after it
    repeats: int = 0

    def add(self, active: bool, overdue: bool, closed_on: date | None, due: date | None, repeat: bool) -> None:
        self.issued += 1
        self.active += active
        self.overdue += overdue
        if closed_on is not None:
            if due is None or closed_on <= due:
                self.on_time += 1
            else:
                self.late += 1
        self.repeats += repeat


@dataclass
class PeriodFigures:
    units: list[UnitRow]  # the dashboard's rows, for the period and the scope
    totals: dict  # the dashboard's totals over them
    grades: dict[str, int]  # units per grade of their latest score in the period
    findings: FindingCounts
    by_severity: dict  # Severity → FindingCounts
    by_area: dict  # ParArea value ("" when the finding has no criterion) → FindingCounts
    most_overdue: list[UnitRow]
    index_year: int | None


def period_figures(user: User, start: date, end: date, today: date, unit_ids: set[int] | None = None,
                   most_overdue: int = 5) -> PeriodFigures:
    """A period's figures by the dashboard's rules (its per-unit queries with the period instead of the
    year, `unit_ids` keeping the scope's units), the issued findings by severity and by PAR INDEX field,
    and the units with the most overdue findings."""
    rows: dict[int, UnitRow] = {}
    within = planned_within(start, end)
    _count_inspections(rows, user, within)
    _count_findings(rows, user, within, today)
    _set_latest_scores(rows, _sum_scores(user, end.year, (start, end)).latest)
    everyone = _inspection_scope(user) is None
    _count_tasks(rows, today, everyone)
    index_year, _heat = _index(rows, end.year, everyone)
    units = sorted((r for r in rows.values() if unit_ids is None or r.unit_id in unit_ids),
                   key=lambda r: r.name.casefold())
    grades: dict[str, int] = defaultdict(int)
    for r in units:
        if r.grade:
            grades[r.grade] += 1
    overdue_units = sorted((r for r in units if r.overdue), key=lambda r: (-r.overdue, r.name.casefold()))
    everything, by_severity, by_area = _finding_counts(user, within, today, unit_ids)
    return PeriodFigures(units=units, totals=_totals(units), grades=dict(grades),
                         findings=everything, by_severity=by_severity, by_area=by_area,
                         most_overdue=overdue_units[:most_overdue], index_year=index_year)


def _finding_counts(user: User, within, today: date, unit_ids: set[int] | None) -> tuple:
    """The issued findings of the period's inspections (as the dashboard counts them per unit), each
    counted in all, its severity and the PAR INDEX field of its criterion's section."""
    active = Finding.status.in_(ACTIVE_STATUSES)
    query = (visible_findings(user)
             .with_only_columns(Finding.severity, ChecklistSection.par_area, active,
                                deadlines.overdue_clause(Finding, ACTIVE_STATUSES, today),
                                sa.case((Finding.status == FindingStatus.CLOSED, Finding.closed_at)),
                                Finding.due_date, Finding.repeat_of_id.is_not(None))
             .join_from(Finding, Inspection, Inspection.id == Finding.inspection_id)
             .outerjoin(ChecklistItem, ChecklistItem.id == Finding.item_id)
             .outerjoin(ChecklistSection, ChecklistSection.id == ChecklistItem.section_id)
             .where(within, Finding.status.not_in(NOT_ISSUED)))
    if unit_ids is not None:
        query = query.where(Finding.unit_id.in_(list(unit_ids)))
    everything, by_severity, by_area = FindingCounts(), defaultdict(FindingCounts), defaultdict(FindingCounts)
    zone = clock.zone()
    for severity, area, is_active, overdue, closed_at, due, repeat in plain_rows(query):
        closed_on = closed_at.astimezone(zone).date() if closed_at is not None else None
        counts = (bool(is_active), bool(overdue), closed_on, due, bool(repeat))
        for group in (everything, by_severity[severity], by_area[area or ""]):
            group.add(*counts)
    return everything, dict(by_severity), dict(by_area)
