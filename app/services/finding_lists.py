"""The findings lists: the filtered list's query and rules (the findings page and its export) and
its order, each on what the user may see."""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ACTIVE_STATUSES, Finding, FindingStatus, Inspection, Severity, Unit, User
from app.models.unit_figures import UnitYearFigures
from app.services import search
from app.services.findings import overdue_clause
from app.services.permissions import is_manager, units_visible_to, visible_findings


def filtered_findings(user: User, filters: dict, today: date) -> tuple[sa.Select, dict]:
    """The visible findings narrowed by `filters` (as app.findings.forms.list_filters reads them from
    the URL), and the filters as the page shows them: an unknown status means every issued finding."""
    filters = dict(filters)
    query = visible_findings(user)
    if filters["status"] == "active":
        query = query.where(Finding.status.in_(ACTIVE_STATUSES))
    elif filters["status"] in {s.value for s in FindingStatus}:
        query = query.where(Finding.status == FindingStatus(filters["status"]))
    else:  # everything issued, by default
        filters["status"] = ""
        query = query.where(Finding.status.not_in((FindingStatus.DRAFT, FindingStatus.DISMISSED)))
    if filters["severity"] in {s.value for s in Severity}:
        query = query.where(Finding.severity == Severity(filters["severity"]))
    if filters["unit"]:
        query = query.where(Finding.unit_id == filters["unit"])
    if filters["unit_q"] and (words := search.matches("unit", Unit.id, filters["unit_q"])) is not None:
        query = query.where(Finding.unit_id.in_(sa.select(Unit.id).where(words)))
    if filters["overdue"]:
        query = query.where(overdue_clause(today))
    if filters["repeat"]:
        query = query.where(Finding.repeat_of_id.is_not(None))
    if filters["inspection"]:
        query = query.where(Finding.inspection_id == filters["inspection"])
    if filters["year"]:
        year = filters["year"]
        query = query.where(Finding.inspection_id.in_(sa.select(Inspection.id).where(
            Inspection.planned_start.between(date(year, 1, 1), date(year, 12, 31)))))
    if filters["q"] and (ids := search.matching_ids("finding", filters["q"])) is not None:
        # Word prefixes without diacritics or case, through the search index (app.services.search).
        query = query.where(Finding.id.in_(ids))
    return query, filters


def unit_choices(user: User, most: int) -> list[tuple[int, str]] | None:
    """The units whose findings `user` sees, by name, for the list's unit filter; None when the user
    sees more than `most` units: a national list of thousands is no choice (and 200 KB on every page),
    so the filter is then a search by the unit's name or code."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(units_visible_to(user).subquery())) > most:
        return None
    with_findings = visible_findings(user).with_only_columns(Finding.unit_id)
    return db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.id.in_(with_findings)).order_by(Unit.name)).all()


def _in_part_order(due_date, finding_id) -> tuple:
    """The order among the overdue findings and among the rest: by due date (none last), then by code."""
    return due_date.asc().nulls_last(), finding_id


def ordered(query: sa.Select, today: date) -> sa.Select:
    """Overdue first, then by due date (none last), then by code."""
    overdue_last = sa.case((overdue_clause(today), 0), else_=1)
    return query.order_by(overdue_last, *_in_part_order(Finding.due_date, Finding.id))


def with_list_columns(query: sa.Select) -> sa.Select:
    """What a list row shows besides the finding: its unit and inspection, loaded with it."""
    return query.options(joinedload(Finding.unit), joinedload(Finding.inspection))


def page_of_ids(user: User, query: sa.Select, filters: dict, today: date, page: int,
                per_page: int) -> tuple[list[int], int]:
    """The ids of a page of `query`'s findings in the list's order, and how many findings it has. Only
    the page's ids are read, in one of three ways; its rows are then loaded by id (rows_in_order).

    - The whole list of someone who sees every finding (424,000 at national scale) reads the (due date,
      id) index in order: the overdue findings, then the rest, each up to the page's last row, instead
      of sorting them all (112 → 2 ms), and its count is the kept figures' (_issued_count).
    - A list searched by words sorts its matches, and counts them in the same statement: both read
      every match.
    - Any other list is narrowed, to few findings or to a band of due dates (a year's) that the index
      would reach late: it sorts its ids, and counts them from an index in a statement of its own."""
    ids = query.with_only_columns(Finding.id)
    offset = (page - 1) * per_page
    if is_manager(user) and not any(filters.values()):
        page_ids = db.session.scalars(_in_index_order(ids, today, up_to=page * per_page).offset(offset).limit(per_page))
        return list(page_ids), _issued_count()
    if filters["q"]:
        rows = db.session.execute(ordered(ids.add_columns(sa.func.count().over()), today)
                                  .offset(offset).limit(per_page)).all()
        return [finding_id for finding_id, _total in rows], rows[0][1] if rows else 0
    return list(db.session.scalars(ordered(ids, today).offset(offset).limit(per_page))), _count(ids)


def _in_index_order(ids: sa.Select, today: date, up_to: int) -> sa.Select:
    """The first `up_to` of `ids` in the list's order: the overdue ones, then the rest, each read in the
    order of the (due date, id) index and stopped at `up_to`, then merged."""
    overdue = overdue_clause(today)
    parts = [sa.select(ids.add_columns(Finding.due_date, sa.literal(rank).label("part")).where(clause)
                       .order_by(*_in_part_order(Finding.due_date, Finding.id)).limit(up_to).subquery())
             for rank, clause in enumerate((overdue, overdue.is_not(True)))]  # the rest: not overdue, or no due date
    merged = sa.union_all(*parts).subquery()
    return sa.select(merged.c.id).order_by(merged.c.part, *_in_part_order(merged.c.due_date, merged.c.id))


def _issued_count() -> int:
    """Every issued finding: the sum of the open and closed ones kept per unit and year
    (app.models.unit_figures), a row per unit-year; counting the 424,000 findings of the national scale
    read each entry of an index (65 ms)."""
    f = UnitYearFigures
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(f.open + f.closed), 0)))


def _count(ids: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ids.order_by(None).subquery()))


def rows_in_order(ids: list[int]) -> list[Finding]:
    """The findings of `ids` with their list columns, in the order of `ids`."""
    rows = db.session.scalars(with_list_columns(sa.select(Finding).where(Finding.id.in_(ids))))
    by_id = {finding.id: finding for finding in rows}
    return [by_id[finding_id] for finding_id in ids]
