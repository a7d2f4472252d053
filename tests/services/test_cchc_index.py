"""The yearly CCHC index without HTTP: importing a year from Excel (every problem named by sheet, row
and column, nothing written), replacing a year, weak scores, the dashboard's figures and rights."""
import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from app.extensions import db
from app.models import IndexResult, IndexScore, ParArea, Role
from app.services import cchc_index, follow_ups, reports
from app.services.errors import ImportFailed, NotPermitted
from tests.factories import make_unit, make_user

SUMMARY = ["Mã đơn vị", "Tên đơn vị", "Tổng điểm", "Điểm tối đa", "Xếp hạng", "Xếp loại"]
SCORES = ["Mã đơn vị", "Lĩnh vực", "Tiêu chí", "Nội dung", "Điểm", "Điểm tối đa"]


def workbook(summary_rows, score_rows) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "Tổng hợp"
    for row in [SUMMARY, *summary_rows]:
        summary.append(row)
    scores = book.create_sheet("Điểm thành phần")
    for row in [SCORES, *score_rows]:
        scores.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def leader(app):
    return make_user(Role.LEADER, username="leader")


@pytest.fixture
def units(app):
    return make_unit(code="STP", name="Sở Tư pháp"), make_unit(code="H-DAKHA", name="UBND huyện Đắk Hà")


def good_file() -> bytes:
    return workbook([["STP", "Sở Tư pháp", 84.5, 100, 2, "Tốt"], ["H-DAKHA", "UBND huyện Đắk Hà", 78, 100, 9, "Khá"]],
                    [["STP", "II", "", "Cải cách thể chế", 9, 10], ["STP", "III", "", "", 8.0, 13],
                     ["STP", "III", "III.2", "Tỷ lệ hồ sơ đúng hạn", 2, 4], ["STP", "III", "III.3", "", 3.5, 4],
                     ["H-DAKHA", "Cải cách thể chế", "", "", 6, 10]])


def test_a_good_file_imports_every_unit_field_and_criterion(leader, units):
    assert cchc_index.import_index(leader, 2022, good_file()) == 2
    justice = db.session.scalar(sa.select(IndexResult).where(IndexResult.unit_id == units[0].id))
    assert (justice.total, justice.rank, justice.grade) == (84.5, 2, "Tốt")
    assert {(s.par_area, s.criterion_code) for s in justice.scores} == {
        (ParArea.INSTITUTIONS, ""), (ParArea.PROCEDURES, ""), (ParArea.PROCEDURES, "III.2"), (ParArea.PROCEDURES, "III.3")}


def test_a_bad_file_names_every_problem_and_imports_nothing(leader, units):
    bad = workbook([["STP", "", 120, 100, 0, ""], ["XYZ", "", 50, 100, None, ""], ["STP", "", 50, 100, None, ""]],
                   [["STP", "IX", "", "", 5, 10], ["STP", "II", "", "", "chín", 10], ["STP", "III", "III.1", "", 1, 2]])
    with pytest.raises(ImportFailed) as refused:
        cchc_index.import_index(leader, 2022, bad)
    text = "\n".join(refused.value.errors)
    assert 'Trang "Tổng hợp", dòng 2, cột "Tổng điểm"' in text and "vượt điểm tối đa" in text
    assert 'dòng 2, cột "Xếp hạng"' in text
    assert 'dòng 3, cột "Mã đơn vị"' in text and "XYZ" in text
    assert 'dòng 4, cột "Mã đơn vị"' in text  # listed twice
    assert 'Trang "Điểm thành phần", dòng 2, cột "Lĩnh vực"' in text
    assert 'dòng 3, cột "Điểm"' in text and "chín" in text
    assert "dòng 4" in text and "Tiêu chí" in text  # a criterion without its field's row
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IndexResult)) == 0


def test_a_year_is_replaced_only_when_asked_and_only_leaders_import(leader, units):
    cchc_index.import_index(leader, 2022, good_file())
    with pytest.raises(ImportFailed, match="Thay thế"):
        cchc_index.import_index(leader, 2022, good_file())
    smaller = workbook([["STP", "", 90, 100, 1, "Xuất sắc"]], [])
    assert cchc_index.import_index(leader, 2022, smaller, replace=True) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IndexResult)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IndexScore)) == 0
    with pytest.raises(NotPermitted):
        cchc_index.import_index(make_user(Role.INSPECTOR), 2023, good_file())


def test_the_template_is_a_file_the_import_reads(leader, app):
    book = load_workbook(io.BytesIO(cchc_index.template_xlsx()))
    assert book.sheetnames == ["Tổng hợp", "Điểm thành phần"]
    make_unit(code="SNV", name="Sở Nội vụ")
    summary, scores = book.worksheets
    for row in scores.iter_rows(min_row=2):
        row[4].value, row[5].value = 8, 10
    buffer = io.BytesIO()
    book.save(buffer)
    assert cchc_index.import_index(leader, 2024, buffer.getvalue()) == 1


def test_weak_scores_use_the_criteria_where_given_and_propose_items(leader, units):
    cchc_index.import_index(leader, 2022, good_file())
    weak = cchc_index.weak_scores(2022, 0.8)
    found = {(w.unit_id, w.par_area, w.criterion_code) for w in weak}
    # Sở Tư pháp: III.2 (2/4) is weak, III.3 (3.5/4) is not, the field total is not judged; II (9/10) is fine.
    # Đắk Hà: II at 6/10.
    assert found == {(units[0].id, ParArea.PROCEDURES, "III.2"), (units[1].id, ParArea.INSTITUTIONS, "")}
    assert follow_ups.propose_remediation(leader, weak) == 2


def test_the_dashboard_shows_the_latest_index_and_tasks_per_unit(leader, units):
    cchc_index.import_index(leader, 2022, good_file())
    from app.clock import local_today
    data = reports.dashboard(leader, 2023, local_today())
    assert data.index_year == 2022
    rows = {r.unit_id: r for r in data.units}
    assert rows[units[0].id].index_total == 84.5 and rows[units[0].id].index_weakest == ParArea.PROCEDURES
    heat = {h.unit_id: h for h in data.index_heat}
    assert heat[units[1].id].share("institutions") == 0.6
