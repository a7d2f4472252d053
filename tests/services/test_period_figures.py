"""A period's figures (the periodic report's) are the dashboard's and the findings list's: for a whole
year and all units they equal them number for number, on the demo and on a seeded scale database; the
quarters of a year add up to it; a scope keeps its units' rows."""
from dataclasses import asdict
from datetime import date

import pytest
import sqlalchemy as sa

from app import clock
from app.demo import seed_demo
from app.demo_scale import seed_scale
from app.extensions import db
from app.models import Role, Severity, Unit, UnitKind, User
from app.services import reports
from app.services.finding_lists import filtered_findings

NO_FILTERS = {"q": "", "unit": None, "unit_q": "", "status": "", "severity": "", "overdue": False, "repeat": False, "year": None,
              "inspection": None}


def listed(user, today, **filters) -> int:
    query, _shown = filtered_findings(user, NO_FILTERS | filters, today)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def assert_year_is_the_dashboards(user, year, today):
    figures = reports.period_figures(user, date(year, 1, 1), date(year, 12, 31), today)
    dashboard = reports.dashboard(user, year, today)
    assert figures.totals == dashboard.totals
    without_trend = [asdict(row) | {"trend": None} for row in dashboard.units]
    assert [asdict(row) | {"trend": None} for row in figures.units] == without_trend
    assert figures.index_year == dashboard.index_year
    # The findings list, filtered by the year, counts the same findings.
    counts = figures.findings
    assert counts.issued == listed(user, today, year=year) == counts.active + counts.on_time + counts.late
    assert counts.active == listed(user, today, year=year, status="active") == dashboard.totals["open"]
    assert counts.overdue == listed(user, today, year=year, overdue=True) == dashboard.totals["overdue"]
    assert counts.repeats == listed(user, today, year=year, repeat=True) == dashboard.totals["repeats"]
    assert counts.on_time + counts.late == listed(user, today, year=year, status="closed")
    for severity in Severity:
        in_list = listed(user, today, year=year, severity=severity.value)
        assert figures.by_severity.get(severity, reports.FindingCounts()).issued == in_list
    assert sum(group.issued for group in figures.by_area.values()) == counts.issued
    assert sum(figures.grades.values()) == sum(1 for row in dashboard.units if row.grade)
    return figures


def assert_quarters_add_up(user, year, today, figures):
    quarters = [reports.period_figures(user, date(year, m, 1), date(year, m + 2, 30 if m in (4, 7) else 31), today)
                for m in (1, 4, 7, 10)]
    for key in ("planned", "done", "open", "overdue", "closed", "repeats"):
        assert sum(q.totals[key] for q in quarters) == figures.totals[key], key
    assert sum(q.findings.issued for q in quarters) == figures.findings.issued


def test_the_demo_years_figures_are_the_dashboards(app, instance):
    seed_demo()
    leader = db.session.scalar(sa.select(User).where(User.username == "leader"))
    today = clock.local_today()
    figures = assert_year_is_the_dashboards(leader, today.year, today)
    assert figures.totals["planned"] > 0 and figures.findings.issued > 0
    assert_quarters_add_up(leader, today.year, today, figures)


@pytest.mark.slow
def test_a_scale_databases_figures_are_the_dashboards(app):
    seed_scale(1, years=2, end_year=2026)
    leader = db.session.scalar(sa.select(User).where(User.role == Role.LEADER).order_by(User.id).limit(1))
    today = date(2026, 12, 5)
    for year in (2025, 2026):
        figures = assert_year_is_the_dashboards(leader, year, today)
        assert figures.findings.issued > 100 and figures.findings.overdue and figures.findings.late
        assert_quarters_add_up(leader, year, today, figures)
    # A scope keeps the rows of its units, with the dashboard's numbers.
    districts = set(db.session.scalars(sa.select(Unit.id).where(Unit.kind == UnitKind.COMMUNE)))
    scoped = reports.period_figures(leader, date(2026, 1, 1), date(2026, 12, 31), today, districts)
    everything = {row.unit_id: row for row in reports.dashboard(leader, 2026, today).units}
    assert scoped.units and all(row.unit_id in districts for row in scoped.units)
    assert all(asdict(row) | {"trend": None} == asdict(everything[row.unit_id]) | {"trend": None}
               for row in scoped.units)
    assert scoped.findings.issued == sum(group.issued for group in scoped.by_severity.values())
    assert scoped.most_overdue == sorted(scoped.most_overdue, key=lambda row: -row.overdue)
