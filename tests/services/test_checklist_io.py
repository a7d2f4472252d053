"""Checklist templates through JSON and Excel files, and the seed templates."""
import io
import json

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import load_workbook

from app.extensions import db
from app.models import AuditEvent, ChecklistTemplate, ParArea, Role, TemplateStatus
from app.services import checklist_io, checklists
from app.services.errors import ImportFailed
from tests.factories import make_user


def rich_document(family="TEST") -> dict:
    """A template using every field and answer type, including awkward text."""
    item = {
        "code": "", "question": "", "guidance": "", "legal_basis": "", "legal_basis_unverified": False,
        "answer_type": "pass_fail", "target_operator": None, "target_value": None, "unit": "", "formula": "",
        "numerator_label": "", "denominator_label": "", "choices": [], "weight": 1.0,
        "evidence_required": "never", "default_severity": "minor",
    }
    return {
        "format": "kiemtra-checklist",
        "format_version": 1,
        "templates": [{
            "family": family, "version": 1, "name": "Bộ tiêu chí thử", "scope": "Sở, ngành; UBND cấp xã",
            "legal_basis": "Văn bản 1\nVăn bản 2",
            "grading_bands": [{"label": "Đạt", "min_percent": 80}, {"label": "Không đạt", "min_percent": 0}],
            "sections": [
                {"code": "A", "title": "Phần A", "par_area": "leadership", "items": [
                    item | {"code": "A01", "question": "Có kế hoạch?", "guidance": "Dòng 1\nDòng 2",
                            "legal_basis": "NĐ 118/2025", "legal_basis_unverified": True,
                            "evidence_required": "on_fail", "default_severity": "very_serious"},
                    item | {"code": "A02", "question": "Số người vắng", "answer_type": "number",
                            "target_operator": "=", "target_value": 0.0, "unit": "người", "weight": 2.5},
                    item | {"code": "A03", "question": "Tỷ lệ đúng hạn", "answer_type": "percent",
                            "target_operator": ">=", "target_value": 95.5, "unit": "%",
                            "formula": "=A / B × 100", "numerator_label": "Số đúng hạn",
                            "denominator_label": "Tổng số", "evidence_required": "always"},
                ]},
                {"code": "B", "title": "Phần B (trống)", "par_area": None, "items": []},
                {"code": "C", "title": "Phần C", "par_area": None, "items": [
                    item | {"code": "C01", "question": "Mức độ công khai", "answer_type": "choice",
                            "choices": [{"value": "du", "label": "Đầy đủ; đúng hạn", "passes": True},
                                        {"value": "thieu", "label": "Thiếu = chưa đạt", "passes": False},
                                        {"value": "kad", "label": "Không có TTHC", "passes": None}]},
                    item | {"code": "C02", "question": "Ghi chú khác", "answer_type": "text",
                            "default_severity": "serious"},
                ]},
            ],
        }],
    }


def as_bytes(document) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def without_version(data: dict) -> dict:
    return {key: value for key, value in data.items() if key != "version"}


def template_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(ChecklistTemplate.id)))


def import_errors(function, *args) -> list[str]:
    with force_locale("en"), pytest.raises(ImportFailed) as caught:
        function(*args)
    return [str(message) for message in caught.value.errors]


def test_json_round_trip_is_lossless(app):
    actor = make_user(Role.ADMIN)
    [first] = checklist_io.import_json(actor, as_bytes(rich_document()))
    expected = rich_document()["templates"][0]
    assert checklist_io.template_to_dict(first) == expected
    checklists.publish(actor, first)  # one draft per family: the next import needs this one published
    [second] = checklist_io.import_json(actor, checklist_io.export_json([first]))
    assert without_version(checklist_io.template_to_dict(second)) == without_version(expected)
    assert (first.version, second.version) == (1, 2)
    exported = json.loads(checklist_io.export_json([first]).decode("utf-8"))
    assert exported["format"] == "kiemtra-checklist" and exported["format_version"] == 1
    assert "Bộ tiêu chí thử" in checklist_io.export_json([first]).decode("utf-8")  # not \u-escaped


def test_excel_round_trip_is_lossless(app):
    actor = make_user(Role.ADMIN)
    [template] = checklist_io.import_json(actor, as_bytes(rich_document()))
    data = checklist_io.export_xlsx(template)

    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert sheet.title == "TEST"
    assert [cell.value for cell in sheet[1]] == list(checklist_io.COLUMNS)
    assert sheet.cell(3, 10).value == "="  # the operator stays text, not a formula
    assert book.sheetnames == ["TEST", "Thông tin"]

    checklists.publish(actor, template)
    copy = checklist_io.import_xlsx(actor, data)
    assert without_version(checklist_io.template_to_dict(copy)) == without_version(
        checklist_io.template_to_dict(template))
    assert copy.version == 2 and copy.status == TemplateStatus.DRAFT


def test_seed_templates_survive_excel_round_trip(app):
    checklist_io.load_seed()
    for template in db.session.scalars(sa.select(ChecklistTemplate)).all():
        copy = checklist_io.import_xlsx(None, checklist_io.export_xlsx(template))
        assert without_version(checklist_io.template_to_dict(copy)) == without_version(
            checklist_io.template_to_dict(template))


def test_excel_errors_name_row_and_column_and_import_nothing(app):
    actor = make_user(Role.ADMIN)
    [template] = checklist_io.import_json(actor, as_bytes(rich_document()))
    book = load_workbook(io.BytesIO(checklist_io.export_xlsx(template)))
    sheet = book.worksheets[0]
    column = {cell.value: cell.column for cell in sheet[1]}
    sheet.cell(2, column["Kiểu trả lời"]).value = "yes_no"
    sheet.cell(3, column["Chỉ tiêu"]).value = "nhiều"
    sheet.cell(4, column["Chỉ tiêu"]).value = 120
    sheet.cell(5, column["Lĩnh vực PAR INDEX"]).value = "weather"
    sheet.cell(6, column["Lựa chọn"]).value = "a=Một=đạt"
    sheet.cell(7, column["Trọng số"]).value = 0
    sheet.cell(7, column["Nội dung kiểm tra"]).value = ""
    book["Thông tin"]["B4"] = ""  # the template name
    out = io.BytesIO()
    book.save(out)
    before = template_count()

    errors = import_errors(checklist_io.import_xlsx, actor, out.getvalue())

    assert template_count() == before
    expected = [
        'Row 2, column "Kiểu trả lời": Unknown answer type "yes_no".',
        'Row 3, column "Chỉ tiêu": The target value "nhiều" is not a number.',
        'Row 4, column "Chỉ tiêu": A percentage target must be between 0 and 100.',
        'Row 5, column "Lĩnh vực PAR INDEX": Unknown PAR INDEX area "weather".',
        'Row 6, column "Lựa chọn": A choice item needs at least two choices.',
        'Row 7, column "Nội dung kiểm tra": Every item needs a question.',
        'Row 7, column "Trọng số": The weight must be greater than 0.',
        'Sheet "Thông tin", row 4: The template name is empty.',
    ]
    assert sorted(errors) == sorted(expected)


def test_json_errors_name_the_place_and_import_nothing(app):
    document = rich_document()
    items = document["templates"][0]["sections"][0]["items"]
    items[2]["answer_type"] = "x"
    items[1]["target_operator"] = None
    document["templates"].append({"family": "", "name": "Không mã", "sections": [
        {"title": "P", "items": [{"question": "Q", "answer_type": "choice", "choices": []}]}]})
    before = template_count()

    errors = import_errors(checklist_io.import_json, None, as_bytes(document))

    assert template_count() == before
    assert errors == [
        'Template TEST, section 1, item 2: Give both the comparison and the target value, or neither.',
        'Template TEST, section 1, item 3: Unknown answer type "x".',
        "Template #2: The template code is empty.",
        "Template #2, section 1, item 1: A choice item needs at least two choices.",
    ]


def test_validate_template_returns_messages(app):
    template = rich_document()["templates"][0]
    assert checklist_io.validate_template(template) == []
    template["sections"][0]["items"][0]["weight"] = -1
    with force_locale("en"):
        assert checklist_io.validate_template(template) == [
            "Template TEST, section 1, item 1: The weight must be greater than 0."]


@pytest.mark.parametrize("data, message", [
    (b"{not json", "The file is not valid JSON (line 1, column 2)."),
    (b'{"templates": []}', "This is not a checklist file exported by Kiểm Tra."),
    (b'{"format": "kiemtra-checklist", "format_version": 1, "templates": []}', "The file contains no templates."),
    (b"\xff\xfe", "The file must be saved as UTF-8."),
])
def test_unreadable_json_gives_a_clear_message(app, data, message):
    assert import_errors(checklist_io.import_json, None, data) == [message]


def test_non_excel_bytes_give_a_clear_message(app):
    assert import_errors(checklist_io.import_xlsx, None, b"PK not really a workbook") == [
        "The file is not a readable Excel (.xlsx) workbook."]
    assert template_count() == 0


def test_reimport_makes_the_next_draft_version(app):
    document = rich_document("NEWFAM")
    document["templates"][0]["version"] = 4
    [first] = checklist_io.import_json(None, as_bytes(document))
    assert "already has a draft" in import_errors(checklist_io.import_json, None, as_bytes(document))[0]
    checklists.publish(None, first)
    [second] = checklist_io.import_json(None, as_bytes(document))
    assert (first.family, first.version, second.version) == ("NEWFAM", 4, 5)
    assert second.status == TemplateStatus.DRAFT
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "import").order_by(AuditEvent.id)).all()
    assert [(e.entity, e.entity_id) for e in events] == [("checklist_template", first.id),
                                                          ("checklist_template", second.id)]


def test_load_seed_publishes_three_templates_once(app):
    admin = make_user(Role.ADMIN)
    assert checklist_io.load_seed(admin) == 3
    templates = {t.family: t for t in db.session.scalars(sa.select(ChecklistTemplate))}
    assert {family: len(t.items) for family, t in templates.items()} == {"KTCV": 19, "PAR": 20, "MC": 19}
    for template in templates.values():
        assert template.status == TemplateStatus.PUBLISHED
        assert template.published_at is not None and template.published_by_id == admin.id
        assert template.version == 1
    assert checklist_io.load_seed(admin) == 0
    assert template_count() == 3
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert sorted(actions) == ["import"] * 3 + ["publish"] * 3


def test_par_sections_carry_the_eight_par_areas(app):
    checklist_io.load_seed()
    par = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.family == "PAR"))
    assert [section.par_area for section in par.sections] == list(ParArea)
    assert [section.code for section in par.sections][0] == "PAR-I"


def test_seed_file_is_in_our_export_format(app):
    document = json.loads(checklist_io.SEED_FILE.read_text(encoding="utf-8"))
    assert document["format"] == "kiemtra-checklist"
    for template in document["templates"]:
        assert checklist_io.validate_template(template) == []
