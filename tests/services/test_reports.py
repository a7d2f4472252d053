"""The reports' numbers against counts made here, one by one, from the rows the test created."""
from datetime import date, datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest

from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
    AnswerType,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    FindingStatus,
    InspectionScore,
    InspectionStatus,
    ParArea,
    Role,
    TargetOperator,
    TemplateStatus,
)
from app.models.inspection import FIELD_WORK_DONE
from app.services import reports, scoring
from tests import factories

F, S = FindingStatus, InspectionStatus
TODAY = date(2026, 1, 15)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=3, tzinfo=timezone.utc)


def make_template():
    template = ChecklistTemplate(family="R", version=1, name="Phiếu CCHC", status=TemplateStatus.PUBLISHED)
    a = ChecklistSection(position=0, code="A", title="TTHC", par_area=ParArea.PROCEDURES)
    a.items = [ChecklistItem(position=i, code=f"A{i + 1}", question=f"Tiêu chí A{i + 1}", weight=w,
                             answer_type=AnswerType.PASS_FAIL) for i, w in enumerate((1.0, 1.0, 2.0))]
    b = ChecklistSection(position=1, code="B", title="CĐS", par_area=ParArea.DIGITAL_GOVERNMENT)
    b.items = [ChecklistItem(position=0, code="B1", question="Tỷ lệ hồ sơ trực tuyến", answer_type=AnswerType.PERCENT,
                             target_operator=TargetOperator.GE, target_value=90.0),
               ChecklistItem(position=1, code="B2", question="Chữ ký số", answer_type=AnswerType.PASS_FAIL)]
    c = ChecklistSection(position=2, code="C", title="Khác")  # no PAR area
    c.items = [ChecklistItem(position=0, code="C1", question="Ghi chú", answer_type=AnswerType.TEXT)]
    template.sections = [a, b, c]
    db.session.add(template)
    db.session.commit()
    return template


# Answers per inspection: item code → values.
PASS, FAIL, NA = {"result": "pass"}, {"result": "fail"}, {"result": "na"}


@pytest.fixture
def world(app):
    template = make_template()
    items = {item.code: item for item in template.items}
    u1, u2, u3 = (factories.make_unit(name=name) for name in ("Sở Tư pháp", "UBND xã Đắk Hà", "Sở Y tế"))
    inspector = factories.make_user(Role.INSPECTOR)
    inspections, answers = {}, {}

    def inspection(key, unit, status, start, given=None, **extra):
        made = factories.make_inspection(status=status, template=template, unit=unit, planned_start=date.fromisoformat(start),
                                         planned_end=date.fromisoformat(start), **extra)
        inspections[key] = made
        answers[key] = given or {}
        for code, values in (given or {}).items():
            factories.make_answer(made, items[code], **values)
        return made

    all_pass = {"A1": PASS, "A2": PASS, "A3": PASS, "B1": {"numerator": 95, "denominator": 100}, "B2": PASS,
                "C1": {"value": "ghi chú"}}
    inspection("i1", u1, S.CONCLUDED, "2025-03-10", {"A1": PASS, "A2": FAIL, "A3": PASS, "B1": {"numerator": 80, "denominator": 100},
                                                     "B2": PASS}, members=[inspector])
    inspection("i2", u1, S.CLOSED, "2025-09-01", all_pass | {"A2": FAIL})
    inspection("i3", u2, S.REVIEWING, "2025-05-01", {"A1": FAIL, "A2": FAIL, "A3": NA, "B1": {"numerator": 95, "denominator": 100},
                                                     "B2": FAIL})
    inspection("i4", u2, S.IN_PROGRESS, "2025-06-01", {"A1": FAIL})  # not finished: no score yet
    inspection("i5", u3, S.CANCELLED, "2025-04-01")
    inspection("i6", u3, S.SCHEDULED, "2025-11-01")
    inspection("i7", u1, S.CLOSED, "2024-05-01", all_pass)
    inspection("i8", u3, S.CONCLUDED, "2024-06-01", all_pass | {"B2": FAIL, "A1": FAIL})

    findings = {}

    def finding(key, inspection_key, status, due=None, unit=None, **extra):
        made = factories.make_finding(inspections[inspection_key], status=status,
                                      due_date=date.fromisoformat(due) if due else None,
                                      **({"unit_id": unit.id} if unit else {}), **extra)
        findings[key] = made
        return made

    finding("f1", "i1", F.OPEN, "2025-12-01", issued_at=at("2025-03-20"))
    finding("f2", "i1", F.CLOSED, "2025-06-01", issued_at=at("2025-03-20"), closed_at=at("2025-04-15"))
    finding("f3", "i2", F.IN_PROGRESS, "2026-03-01", repeat_of_id=findings["f1"].id, issued_at=at("2025-09-20"))
    finding("f4", "i3", F.SUBMITTED, "2025-12-31", issued_at=at("2025-05-20"))
    finding("f5", "i3", F.DRAFT)
    finding("f6", "i3", F.DISMISSED)
    finding("f7", "i7", F.OPEN, "2024-08-01", issued_at=at("2024-05-20"))
    finding("f8", "i3", F.REOPENED, "2026-02-01", unit=u3, issued_at=at("2025-05-20"))
    finding("f9", "i2", F.CLOSED, "2025-10-01", repeat_of_id=findings["f2"].id, issued_at=at("2025-09-20"),
            closed_at=at("2025-11-02"))
    return SimpleNamespace(template=template, items=items, units=(u1, u2, u3), inspections=inspections,
                           answers=answers, findings=findings, inspector=inspector)


def expected_score(world, key):
    """The score as app.services.scoring computes it from the template and the answers."""
    answers = {world.items[code].id: values for code, values in world.answers[key].items()}
    return scoring.score_template(world.template, answers)


def test_outcomes_and_score_rows_follow_the_answers(world):
    inspection = world.inspections["i1"]
    rows = {r.par_area: r for r in db.session.scalars(
        db.select(InspectionScore).where(InspectionScore.inspection_id == inspection.id))}
    score = expected_score(world, "i1")
    assert set(rows) == {"procedures", "digital_government"}
    for area, part in score.by_par_area.items():
        assert rows[area].earned == float(part.earned) and rows[area].possible == float(part.possible)
    assert rows["digital_government"].failed == 1 and rows["procedures"].failed == 1


def test_score_rows_are_written_when_the_field_work_ends(lead, inspection):
    """Autosaves leave the score rows alone; sending the checklist for review writes them once."""
    from app.services import answers, transitions

    first, second, third = inspection.template.sections[0].items
    for item, result in ((first, "pass"), (second, "fail"), (third, "na")):
        answers.save_answer(lead, inspection.id, item.id, {"result": result, "note": "ghi chú"}, 0, f"s{item.id}")
    scores = db.select(InspectionScore).where(InspectionScore.inspection_id == inspection.id)
    assert db.session.scalars(scores).all() == []
    transitions.change_state(lead, inspection, "review")
    [row] = db.session.scalars(scores).all()
    assert (row.passed, row.failed, row.not_applicable) == (1, 1, 1)


def issued_in(world, year):
    return [f for f in world.findings.values() if f.status not in (F.DRAFT, F.DISMISSED)
            and f.inspection.planned_start.year == year]


def test_dashboard_numbers_equal_counts_made_one_by_one(world, leader):
    data = reports.dashboard(leader, 2025, TODAY)
    rows = {row.unit_id: row for row in data.units}
    year_inspections = [i for i in world.inspections.values() if i.planned_start.year == 2025]
    for unit in world.units:
        row = rows[unit.id]
        mine = [i for i in year_inspections if i.unit_id == unit.id]
        assert row.planned == sum(1 for i in mine if i.status != S.CANCELLED)
        assert row.done == sum(1 for i in mine if i.status in FIELD_WORK_DONE)
        theirs = [f for f in issued_in(world, 2025) if f.unit_id == unit.id]
        assert row.open == sum(1 for f in theirs if f.status in ACTIVE_STATUSES)
        assert row.overdue == sum(1 for f in theirs if f.status in ACTIVE_STATUSES and f.due_date < TODAY)
        assert row.closed == sum(1 for f in theirs if f.status == F.CLOSED)
        assert row.repeats == sum(1 for f in theirs if f.repeat_of_id)
    u1, u2, u3 = world.units
    assert (rows[u1.id].open, rows[u1.id].overdue, rows[u1.id].closed, rows[u1.id].repeats) == (2, 1, 2, 2)
    assert (rows[u3.id].planned, rows[u3.id].open, rows[u3.id].overdue) == (1, 1, 0)
    # The latest score of the year is that of the unit's last finished inspection (i2 for u1, i3 for u2).
    for unit, key in ((u1, "i2"), (u2, "i3")):
        expected = expected_score(world, key)
        assert rows[unit.id].score == pytest.approx(float(expected.total.percent), abs=0.01)
        assert rows[unit.id].grade == expected.grade
        assert rows[unit.id].latest_inspection_id == world.inspections[key].id
    assert rows[u3.id].score is None
    assert data.totals["open"] == sum(r.open for r in rows.values()) == 4


def test_heat_map_is_the_share_of_failed_items_per_unit_and_area(world, leader):
    data = reports.dashboard(leader, 2025, TODAY)
    heat = {row.unit_id: row for row in data.heat}
    assert data.areas == [ParArea.PROCEDURES, ParArea.DIGITAL_GOVERNMENT]
    u1, u2, _u3 = world.units
    # u1: i1 and i2; procedures A1..A3 → 1 + 1 failed of 6; digital B1, B2 → 1 failed of 4.
    assert heat[u1.id].cells == {"procedures": (2, 6), "digital_government": (1, 4)}
    # u2: only i3 (i4 is not finished); A3 not applicable.
    assert heat[u2.id].cells == {"procedures": (2, 2), "digital_government": (1, 2)}
    assert heat[u2.id].share("procedures") == 1.0 and data.heat[0].unit_id == u2.id  # most failures first


def test_heat_map_shows_the_units_with_most_failures_and_every_unit_on_request(world, leader, monkeypatch):
    monkeypatch.setattr(reports, "HEAT_MOST", 1)
    u1, u2, _u3 = world.units
    short = reports.dashboard(leader, 2025, TODAY)
    assert [row.unit_id for row in short.heat] == [u2.id] and short.heat_units == 2
    assert short.heat[0].cells == {"procedures": (2, 2), "digital_government": (1, 2)}
    whole = reports.dashboard(leader, 2025, TODAY, whole_heat=True)
    assert [row.unit_id for row in whole.heat] == [u2.id, u1.id] and whole.areas == short.areas
    monkeypatch.setattr(reports, "HEAT_MOST", 0)  # an inspector's one unit, grouped from the rows
    assert reports.dashboard(world.inspector, 2025, TODAY).heat == []
    scoped = reports.dashboard(world.inspector, 2025, TODAY, whole_heat=True)
    assert [row.unit_id for row in scoped.heat] == [u1.id] and scoped.heat_units == 1


def test_most_failed_criteria(world, leader):
    top = reports.top_failed(leader, 2025)
    assert [(row["code"], row["failed"], row["scored"]) for row in top] == [
        ("A2", 3, 3), ("A1", 1, 3), ("B1", 1, 3), ("B2", 1, 3)]
    assert top[0]["share"] == 1.0


def test_findings_issued_and_closed_per_month(world, leader):
    months = {m["month"]: m for m in reports.monthly(leader, 2025)}
    issued = [f for f in world.findings.values() if f.issued_at and f.issued_at.year == 2025]
    closed = [f for f in world.findings.values() if f.closed_at and f.closed_at.year == 2025]
    for month in range(1, 13):
        assert months[month]["opened"] == sum(1 for f in issued if f.issued_at.month == month)
        assert months[month]["closed"] == sum(1 for f in closed if f.closed_at.month == month)
    assert (months[3]["opened"], months[5]["opened"], months[4]["closed"], months[11]["closed"]) == (2, 2, 1, 1)


def test_trend_across_years(world, leader):
    data = reports.dashboard(leader, 2025, TODAY)
    u1 = world.units[0]
    row = next(r for r in data.units if r.unit_id == u1.id)
    assert [y for y, _s in row.trend] == [2024, 2025]
    assert row.trend[0][1] == 100.0
    assert [t["year"] for t in data.trend] == [2024, 2025] and 2025 in data.years


def test_an_inspector_sees_only_the_inspections_of_their_team(world):
    data = reports.dashboard(world.inspector, 2025, TODAY)
    assert [(r.unit_id, r.planned, r.open, r.closed) for r in data.units] == [(world.units[0].id, 1, 1, 1)]
    assert [row["code"] for row in reports.top_failed(world.inspector, 2025)] == ["A2", "B1"]
    assert sum(m["opened"] for m in reports.monthly(world.inspector, 2025)) == 2
    assert not reports.can_see_dashboard(factories.make_user(Role.UNIT_HEAD))


def test_sorting_by_a_number(world, leader):
    by_open = reports.dashboard(leader, 2025, TODAY, sort="open", descending=True)
    assert [r.open for r in by_open.units] == sorted((r.open for r in by_open.units), reverse=True)
    by_score = reports.dashboard(leader, 2025, TODAY, sort="score")
    assert by_score.units[-1].score is None  # no score sorts last


def test_unit_history(world, leader):
    u1, u2, u3 = world.units
    u3.successor_id = u1.id
    db.session.commit()
    history = reports.unit_history(leader, u1)
    assert [entry["inspection"].id for entry in history.inspections] == [
        world.inspections[k].id for k in ("i2", "i1", "i7")]
    assert [p.id for p in history.predecessors] == [u3.id] and history.successor is None
    assert [t["year"] for t in history.trend] == [2024, 2025]
    assert reports.unit_history(leader, u3).successor.id == u1.id


def test_figures_follow_a_change_at_once(world, leader):
    u1 = world.units[0]
    before = {r.unit_id: r for r in reports.dashboard(leader, 2025, TODAY).units}[u1.id]
    world.findings["f3"].status = F.CLOSED  # kept figures are not used once a finding changed
    db.session.commit()
    after = {r.unit_id: r for r in reports.dashboard(leader, 2025, TODAY).units}[u1.id]
    assert (after.open, after.closed) == (before.open - 1, before.closed + 1)
    factories.make_inspection(status=S.DRAFT, template=world.template, unit=u1, planned_start=date(2025, 12, 1))
    assert {r.unit_id: r for r in reports.dashboard(leader, 2025, TODAY).units}[u1.id].planned == before.planned + 1


def test_typed_formulas_stay_text_in_exports(app):
    """A title an inspector typed as "=HYPERLINK(…)" must not become a formula in a leader's Excel."""
    import csv
    import io

    from openpyxl import load_workbook

    from app.services import exports

    typed = '=HYPERLINK("http://x.example","bấm vào")'
    table = exports.Table("Tồn tại", ["Tên", "Ghi chú"], [[typed, "-1 đơn vị"]], [20, 20])
    cell = load_workbook(io.BytesIO(exports.to_xlsx(table))).active["A2"]
    assert cell.data_type == "s" and cell.value == typed
    [_, row] = list(csv.reader(io.StringIO(exports.to_csv(table).decode("utf-8-sig"))))
    assert row == ["'" + typed, "'-1 đơn vị"]


def test_the_dashboard_rounds_a_score_as_the_inspection_page_does_at_a_band_edge():
    """1 point of 32 is 3.125 %: half up it is 3.13, as scoring (the inspection page, the minutes) says;
    rounding the float gave 3.12, and so another grade at a band starting at 3.13."""
    bands = [{"min_percent": "3.13", "label": "Đạt"}, {"min_percent": "0", "label": "Không đạt"}]
    page = scoring.percent(Decimal(1), Decimal(32))
    assert reports.percent(1, 32) == float(page) == 3.13
    assert reports.grade(reports.percent(1, 32), bands) == scoring.grade(page, bands) == "Đạt"
