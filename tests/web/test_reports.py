"""The dashboard, the unit's page with its history, the exports and the A4 report, per role; and how
many SQL statements each page costs, whatever the volume."""
import csv
import io
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.extensions import db
from app.models import ChecklistSection, FindingStatus, InspectionStatus, ParArea, Role
from app.models.report import refresh_scores
from app.clock import local_today
from app.services import reports
from tests import factories
from tests.conftest import HX, login

F, S = FindingStatus, InspectionStatus


@contextmanager
def count_queries(app):
    """Counts the SQL statements sent while the block runs."""
    statements = []

    def before(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def add_volume(unit_count: int, per_unit: int, lead=None):
    """Units with finished inspections, answers and findings in every state, this year."""
    today = local_today()
    template = factories.make_template(status="published", items=4)
    made = []
    for u in range(unit_count):
        unit = factories.make_unit(name=f"UBND xã Đắk {u}")
        for n in range(per_unit):
            inspection = factories.make_inspection(status=S.CONCLUDED, template=template, unit=unit, lead=lead,
                                                   planned_start=date(today.year, 1, 10 + n),
                                                   planned_end=date(today.year, 1, 10 + n))
            for i, item in enumerate(template.items):
                factories.make_answer(inspection, item, result="fail" if (i + n) % 3 == 0 else "pass")
            for status, due in ((F.OPEN, -5), (F.CLOSED, 10), (F.IN_PROGRESS, 20)):
                made.append(factories.make_finding(inspection, status=status, due_date=today + timedelta(days=due),
                                                   title="Trễ hạn báo cáo"))
    return made


@pytest.fixture
def leader_client(client, leader):
    return login(client, leader)


def test_the_dashboard_shows_the_years_figures_and_links_each_to_its_list(app, leader_client):
    findings = add_volume(2, 2)
    year = local_today().year
    page = leader_client.get("/reports/").get_data(as_text=True)
    unit_id = findings[0].unit_id
    assert f'href="/findings/?status=active&amp;unit={unit_id}&amp;year={year}"' in page
    assert f'/findings/?overdue=1&amp;unit={unit_id}&amp;year={year}' in page
    assert 'id="chart-heat"' in page and 'id="chart-top-failed"' in page and "<svg" in page
    assert "<table" in page and "<figcaption" in page and "<details" in page  # each chart's table alternative
    # The number on the dashboard is the length of the list it links to.
    listed = leader_client.get(f"/findings/?overdue=1&unit={unit_id}&year={year}").get_data(as_text=True)
    assert listed.count('class="finding-row') == 2
    assert f'data-figure="overdue">2</a>' in page


def test_the_heat_map_shows_the_units_with_most_failures_and_all_on_request(leader_client, monkeypatch):
    monkeypatch.setattr(reports, "HEAT_MOST", 2)
    findings = add_volume(3, 1)
    for section in db.session.scalars(sa.select(ChecklistSection)):
        section.par_area = ParArea.PROCEDURES
    refresh_scores(db.session, {finding.inspection_id for finding in findings})
    db.session.commit()

    def heat_units(page, chart="chart-heat"):  # the rows of the chart's table
        return page.split(f'id="{chart}"')[1].split("</figure>")[0].count('<th scope="row">UBND xã Đắk')

    page = leader_client.get("/reports/").get_data(as_text=True)
    assert heat_units(page) == 2 and "heat=all" in page
    assert heat_units(leader_client.get("/reports/?heat=all").get_data(as_text=True)) == 3
    assert heat_units(leader_client.get("/reports/print").get_data(as_text=True), "print-heat") == 3


def test_sorting_swaps_the_table_for_htmx_and_is_a_plain_link_without(leader_client):
    add_volume(2, 1)
    full = leader_client.get("/reports/?sort=open&dir=desc")
    assert "<html" in full.get_data(as_text=True) and 'aria-sort="descending"' in full.get_data(as_text=True)
    fragment = leader_client.get("/reports/?sort=open&dir=desc", headers=HX)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith("{#") is False and 'id="report-units"' in body
    assert "HX-Request" in fragment.headers["Vary"]


def test_an_inspector_sees_the_figures_of_their_inspections_only(app, client):
    inspector = factories.make_user(Role.INSPECTOR)
    add_volume(1, 1, lead=inspector)
    others = add_volume(1, 1)
    login(client, inspector)
    page = client.get("/reports/").get_data(as_text=True)
    assert "Đắk 0" in page and f"report-unit-{others[0].unit_id}" not in page


def test_a_unit_head_has_their_units_page_and_no_other(app, client):
    findings = add_volume(2, 1)
    own, other = findings[0].unit, findings[-1].unit
    head = factories.make_user(Role.UNIT_HEAD, unit=own)
    login(client, head)
    response = client.get("/reports/")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/findings/units/{own.id}")
    page = client.get(f"/findings/units/{own.id}").get_data(as_text=True)
    assert 'id="unit-inspections"' in page and 'id="unit-documents"' in page
    assert client.get(f"/findings/units/{other.id}").status_code == 404
    assert client.get("/reports/print").status_code == 404
    assert client.get("/reports/export/scores.xlsx").status_code == 404


def test_unit_page_shows_history_scores_and_lineage(app, leader_client):
    findings = add_volume(1, 2)
    unit = findings[0].unit
    old = factories.make_unit(name="UBND huyện Đắk Hà", active=False, successor_id=unit.id)
    page = leader_client.get(f"/findings/units/{unit.id}").get_data(as_text=True)
    assert 'id="unit-lineage"' in page and "UBND huyện Đắk Hà" in page
    assert "75.0" in page and "50.0" in page  # the two inspections' scores
    old_page = leader_client.get(f"/findings/units/{old.id}").get_data(as_text=True)
    assert f'href="/findings/units/{unit.id}"' in old_page


def test_findings_export_reads_back_as_excel_with_real_dates(app, leader_client):
    findings = add_volume(1, 1)
    year = local_today().year
    response = leader_client.get(f"/reports/export/findings.xlsx?year={year}&status=active")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    rows = list(sheet.iter_rows(values_only=True))
    active = [f for f in findings if f.status in (F.OPEN, F.IN_PROGRESS)]
    assert len(rows) == 1 + len(active)
    due = rows[0].index(rows[0][8])
    assert {r[0] for r in rows[1:]} == {f.code for f in active}
    assert all(hasattr(r[due], "year") for r in rows[1:])  # dates, not text
    assert "Trễ hạn báo cáo" in {r[1] for r in rows[1:]}


def test_findings_export_as_csv_has_a_bom_and_the_screens_filters(app, leader_client):
    findings = add_volume(1, 1)
    response = leader_client.get("/reports/export/findings.csv?overdue=1")
    assert response.data.startswith(b"\xef\xbb\xbf") and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    overdue = [f for f in findings if f.status == F.OPEN]
    assert [r[0] for r in rows[1:]] == [f.code for f in overdue] and "Trễ hạn báo cáo" in rows[1][1]


def test_inspections_and_scores_exports(app, leader_client):
    add_volume(2, 1)
    year = local_today().year
    sheet = load_workbook(io.BytesIO(leader_client.get(f"/reports/export/inspections.xlsx?year={year}").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and all(hasattr(r[7], "year") for r in rows[1:]) and rows[1][9] in (50.0, 75.0)
    text = leader_client.get(f"/reports/export/scores.csv?year={year}").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 3 and {r[5] for r in rows[1:]} == {"50.0"}


def test_printable_report(leader_client):
    add_volume(1, 1)
    page = leader_client.get("/reports/print").get_data(as_text=True)
    assert "report-paper" in page and 'class="main-nav"' not in page
    assert '<div class="chart-data">' in page and "<details" not in page  # tables printed, not folded


@pytest.mark.parametrize("url", ["/reports/", "/findings/units/{unit}", "/findings/?q=tre+han&year={year}",
                                 "/reports/search?q=tre+han", "/reports/print"])
def test_pages_issue_a_handful_of_queries_whatever_the_volume(app, client, leader, url):
    login(client, leader)
    year = local_today().year
    counts = []
    for units, per_unit in ((1, 1), (4, 3)):
        findings = add_volume(units, per_unit)
        target = url.format(unit=findings[0].unit_id, year=year)
        client.get(target)  # the first request reads what is cached per process (grading bands)
        with count_queries(app) as statements:
            assert client.get(target).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[1] <= 12, counts  # the unit page: findings, history, tasks
