import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AnswerType, AuditEvent, ChecklistItem, ChecklistTemplate, Role, TemplateStatus
from tests.conftest import HX
from tests.factories import make_template


def item_data(**overrides):
    data = {"code": "A03", "question": "Niêm yết công khai TTHC đầy đủ", "guidance": "", "legal_basis": "",
            "answer_type": "pass_fail", "target_operator": "", "target_value": "", "unit": "", "formula": "",
            "numerator_label": "", "denominator_label": "", "choices": "", "weight": "1",
            "evidence_required": "on_fail", "default_severity": "minor"}
    data.update(overrides)
    return data


@pytest.fixture
def editor(client_as):
    return client_as("leader")


# --- access -------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [("admin", 200), ("leader", 200), ("inspector", 200), ("unit_head", 403)])
def test_list_by_role(client_as, role, status):
    assert client_as(role).get("/checklists/").status_code == status


def test_inspectors_read_published_versions_only(client_as):
    draft = make_template()
    published = make_template(status=TemplateStatus.PUBLISHED)
    inspector = client_as("inspector")
    page = inspector.get("/checklists/").get_data(as_text=True)
    assert published.name in page and draft.name not in page
    assert inspector.get(f"/checklists/{published.id}").status_code == 200
    assert inspector.get(f"/checklists/{published.id}/preview").status_code == 200
    assert inspector.get(f"/checklists/{draft.id}").status_code == 404


@pytest.mark.parametrize("role", ["inspector", "unit_head"])
def test_only_admins_and_leaders_edit(client_as, role):
    template = make_template()
    client = client_as(role)
    assert client.post("/checklists/new", data={"family": "X", "name": "X"}).status_code == 403
    assert client.post(f"/checklists/sections/{template.sections[0].id}/items/new", data=item_data()).status_code == 403
    assert client.post(f"/checklists/{template.id}/publish").status_code == 403


# --- building a template --------------------------------------------------------------------------

def test_create_template_section_and_item_without_javascript(editor):
    response = editor.post("/checklists/new", data={"family": "mc", "name": "Kiểm tra Bộ phận Một cửa",
                                                     "scope": "", "legal_basis": ""})
    assert response.status_code == 303
    template = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.family == "MC"))
    assert template.status == TemplateStatus.DRAFT and template.version == 1

    response = editor.post(f"/checklists/{template.id}/sections",
                           data={"code": "MC-A", "title": "Công khai TTHC", "par_area": "procedures"})
    assert response.status_code == 303
    db.session.refresh(template)
    section = template.sections[0]
    assert section.par_area.value == "procedures"

    response = editor.post(f"/checklists/sections/{section.id}/items/new", data=item_data())
    assert response.status_code == 303 and f"#section-{section.id}" in response.location
    page = editor.get(f"/checklists/{template.id}").get_data(as_text=True)
    assert "Niêm yết công khai TTHC đầy đủ" in page


def test_add_item_with_htmx_returns_the_section(editor):
    template = make_template()
    section = template.sections[0]
    response = editor.post(f"/checklists/sections/{section.id}/items/new", data=item_data(), headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert f'id="section-{section.id}"' in body and "Niêm yết công khai TTHC đầy đủ" in body


def test_item_form_is_a_fragment_for_htmx_and_a_page_otherwise(editor):
    template = make_template()
    item = template.sections[0].items[0]
    page = editor.get(f"/checklists/items/{item.id}/edit")
    fragment = editor.get(f"/checklists/items/{item.id}/edit", headers=HX)
    assert "<html" in page.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True) and f'id="item-{item.id}"' in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]


@pytest.mark.parametrize("overrides, message", [
    ({"question": ""}, "bắt buộc"),
    ({"answer_type": "percent", "target_operator": ">=", "target_value": "120"}, "0 đến 100"),
    ({"answer_type": "number", "target_operator": ">=", "target_value": ""}, "cả hai"),
    ({"answer_type": "choice", "choices": "1=Có=đạt"}, "ít nhất hai"),
    ({"answer_type": "choice", "choices": "1=Có=tốt\n2=Không=không đạt"}, "kad"),
    ({"weight": "0"}, "lớn hơn 0"),
])
def test_invalid_item_gets_422_beside_the_field_and_keeps_input(editor, overrides, message):
    template = make_template(items=0)
    section = template.sections[0]
    response = editor.post(f"/checklists/sections/{section.id}/items/new", data=item_data(**overrides), headers=HX)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert response.headers["HX-Retarget"] == f"#new-item-{section.id}"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChecklistItem)) == 0


def test_percent_item_keeps_numerator_denominator_and_formula(editor):
    template = make_template(items=0)
    section = template.sections[0]
    editor.post(f"/checklists/sections/{section.id}/items/new", data=item_data(
        answer_type="percent", target_operator=">=", target_value="95", unit="%",
        numerator_label="Số hồ sơ giải quyết đúng hạn", denominator_label="Tổng số hồ sơ đã giải quyết",
        formula="Số hồ sơ đúng hạn / Tổng số hồ sơ × 100"))
    item = db.session.scalar(sa.select(ChecklistItem))
    assert item.answer_type == AnswerType.PERCENT and item.target_value == 95
    assert item.numerator_label == "Số hồ sơ giải quyết đúng hạn" and item.target_label == "≥ 95 %"


def test_choice_item(editor):
    template = make_template(items=0)
    section = template.sections[0]
    editor.post(f"/checklists/sections/{section.id}/items/new", data=item_data(
        answer_type="choice", choices="du=Đầy đủ=đạt\nthieu=Thiếu=không đạt\nkhong=Không có hồ sơ=kad"))
    item = db.session.scalar(sa.select(ChecklistItem))
    assert [c["passes"] for c in item.choices] == [True, False, None]
    form = editor.get(f"/checklists/items/{item.id}/edit").get_data(as_text=True)
    assert "thieu=Thiếu=không đạt" in form
    # Saving another field keeps the choice values the answers will refer to.
    editor.post(f"/checklists/items/{item.id}/edit", data=item_data(
        question="Hồ sơ", answer_type="choice", choices="du=Đầy đủ=đạt\nthieu=Thiếu=không đạt\nkhong=Không có hồ sơ=kad"))
    db.session.refresh(item)
    assert [c["value"] for c in item.choices] == ["du", "thieu", "khong"]


def test_edit_item_records_audit(editor):
    template = make_template()
    item = template.sections[0].items[0]
    response = editor.post(f"/checklists/items/{item.id}/edit", data=item_data(question="Câu hỏi mới"))
    assert response.status_code == 303
    db.session.refresh(item)
    assert item.question == "Câu hỏi mới"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity == "checklist_item",
                                                          AuditEvent.action == "update"))
    assert event.changes["question"] == ["Câu hỏi 1", "Câu hỏi mới"]


def test_move_and_delete_items(editor):
    template = make_template(items=3)
    first, second, third = template.sections[0].items
    editor.post(f"/checklists/items/{third.id}/up", headers=HX)
    editor.post(f"/checklists/items/{first.id}/delete")
    db.session.refresh(template.sections[0])
    assert [i.question for i in template.sections[0].items] == ["Câu hỏi 3", "Câu hỏi 2"]
    assert [i.position for i in template.sections[0].items] == [0, 1]


def test_drag_and_drop_reorder(editor):
    template = make_template(items=3)
    section = template.sections[0]
    ids = [i.id for i in section.items]
    response = editor.post(f"/checklists/sections/{section.id}/reorder", data={"item": ids[::-1]}, headers=HX)
    assert response.status_code == 200
    db.session.refresh(section)
    assert [i.id for i in section.items] == ids[::-1]


def test_sections_move_and_delete(editor):
    template = make_template()
    editor.post(f"/checklists/{template.id}/sections", data={"code": "B", "title": "Phần B", "par_area": ""})
    db.session.refresh(template)
    first, second = template.sections
    response = editor.post(f"/checklists/sections/{second.id}/up", headers=HX)
    assert 'id="sections"' in response.get_data(as_text=True)
    db.session.refresh(template)
    assert [s.title for s in template.sections] == ["Phần B", "Phần A"]
    editor.post(f"/checklists/sections/{first.id}/delete")
    db.session.refresh(template)
    assert [s.title for s in template.sections] == ["Phần B"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChecklistItem)) == 0


def test_template_settings_and_grading_bands(editor):
    template = make_template()
    response = editor.post(f"/checklists/{template.id}/edit", data={
        "name": "Tên mới", "scope": "Sở, ngành", "legal_basis": "Nghị định 118/2025/NĐ-CP",
        "grading_bands": "Khá: 70\nTốt: 90\nChưa đạt: 0"})
    assert response.status_code == 303
    db.session.refresh(template)
    assert [b["label"] for b in template.grading_bands] == ["Tốt", "Khá", "Chưa đạt"]
    response = editor.post(f"/checklists/{template.id}/edit", data={"name": "X", "grading_bands": "Tốt = chín mươi"})
    assert response.status_code == 422


# --- versions -------------------------------------------------------------------------------------

def test_several_problems_are_all_reported(editor):
    template = make_template(items=0)
    response = editor.post(f"/checklists/sections/{template.sections[0].id}/items/new", data=item_data(
        answer_type="choice", target_operator=">=", target_value="5", choices="1=Có=đạt"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "ít nhất hai" in body and "chỉ tiêu" in body


def test_decimal_comma_is_accepted(editor):
    template = make_template(items=0)
    editor.post(f"/checklists/sections/{template.sections[0].id}/items/new", data=item_data(
        answer_type="percent", target_operator=">=", target_value="95,5", weight="1,5"))
    item = db.session.scalar(sa.select(ChecklistItem))
    assert (item.target_value, item.weight) == (95.5, 1.5)


def test_add_section_with_htmx_returns_the_list_and_a_fresh_form(editor):
    template = make_template()
    response = editor.post(f"/checklists/{template.id}/sections", data={"code": "B", "title": "Phần B",
                                                                         "par_area": ""}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="sections"' in body and "Phần B" in body
    assert 'name="title" required type="text" value=""' in body
    response = editor.post(f"/checklists/{template.id}/sections", data={"code": "", "title": ""}, headers=HX)
    assert response.status_code == 422 and "bắt buộc" in response.get_data(as_text=True)


def test_standalone_item_form_is_a_plain_form(editor):
    template = make_template()
    page = editor.get(f"/checklists/items/{template.sections[0].items[0].id}/edit").get_data(as_text=True)
    form = page.split('class="item-form card"')[1].split(">")[0]
    assert "hx-post" not in form


def test_published_template_has_no_edit_controls_even_after_a_refused_action(editor):
    template = make_template(status=TemplateStatus.PUBLISHED)
    item = template.sections[0].items[0]
    body = editor.post(f"/checklists/items/{item.id}/up", headers=HX).get_data(as_text=True)
    assert "draggable" not in body and "/delete" not in body
    response = editor.get(f"/checklists/items/{item.id}/edit")
    assert response.status_code == 303


def test_inspector_does_not_see_draft_versions(client_as):
    published = make_template(status=TemplateStatus.PUBLISHED, family="KTCV")
    make_template(family="KTCV", version=2)
    page = client_as("inspector").get(f"/checklists/{published.id}").get_data(as_text=True)
    assert "Bản nháp" not in page


def test_publish_freezes_the_template(editor):
    template = make_template()
    assert editor.post(f"/checklists/{template.id}/publish").status_code == 303
    db.session.refresh(template)
    assert template.status == TemplateStatus.PUBLISHED and template.published_at is not None
    item = template.sections[0].items[0]
    response = editor.post(f"/checklists/items/{item.id}/edit", data=item_data(question="Sửa sau khi ban hành"),
                           follow_redirects=True)
    assert "phiên bản mới" in response.get_data(as_text=True)
    db.session.refresh(item)
    assert item.question == "Câu hỏi 1"


def test_publishing_an_empty_template_is_refused(editor):
    template = make_template(items=0)
    response = editor.post(f"/checklists/{template.id}/publish", follow_redirects=True)
    assert "trống" in response.get_data(as_text=True)
    db.session.refresh(template)
    assert template.status == TemplateStatus.DRAFT


def test_new_version_copies_into_a_draft_and_keeps_the_old_one(editor):
    template = make_template(status=TemplateStatus.PUBLISHED, items=2)
    response = editor.post(f"/checklists/{template.id}/new-version")
    assert response.status_code == 303
    copy = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.version == 2))
    assert copy.family == template.family and copy.status == TemplateStatus.DRAFT
    assert [i.question for i in copy.items] == [i.question for i in template.items]
    assert {i.id for i in copy.items}.isdisjoint({i.id for i in template.items})
    # Only one draft per family at a time.
    editor.post(f"/checklists/{template.id}/new-version")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChecklistTemplate)) == 2
    page = editor.get("/checklists/").get_data(as_text=True)
    assert "Phiên bản 2" in page and "Phiên bản 1" in page


def test_archive(editor):
    template = make_template(status=TemplateStatus.PUBLISHED)
    editor.post(f"/checklists/{template.id}/archive")
    db.session.refresh(template)
    assert template.status == TemplateStatus.ARCHIVED


def test_preview_shows_the_tablet_checklist(editor):
    template = make_template()
    page = editor.get(f"/checklists/{template.id}/preview").get_data(as_text=True)
    assert "Câu hỏi 1" in page and "Đạt" in page and "disabled" in page


def test_seed_demo_loads_the_three_published_templates(runner, client_as):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    families = {t.family: t for t in db.session.scalars(sa.select(ChecklistTemplate))}
    assert set(families) == {"KTCV", "PAR", "MC"}
    assert all(t.status == TemplateStatus.PUBLISHED for t in families.values())
    page = client_as(Role.INSPECTOR.value).get("/checklists/").get_data(as_text=True)
    assert "Kiểm tra công vụ" in page


def upload(client, filename, content: bytes):
    import io

    return client.post("/checklists/import", data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def test_export_and_import_round_trip_through_the_web(editor):
    template = make_template(status=TemplateStatus.PUBLISHED)
    xlsx = editor.get(f"/checklists/{template.id}/export.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    assert upload(editor, "t.xlsx", xlsx.data).status_code == 303
    # Only one draft per family: the imported version 2 is published before the next import.
    draft = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.version == 2))
    assert upload(editor, "t.xlsx", xlsx.data).status_code == 422
    editor.post(f"/checklists/{draft.id}/publish")
    exported = editor.get(f"/checklists/{template.id}/export.json")
    assert exported.mimetype == "application/json"
    assert upload(editor, "t.json", exported.data).status_code == 303
    versions = sorted(t.version for t in db.session.scalars(sa.select(ChecklistTemplate)))
    assert versions == [1, 2, 3]


def test_bad_import_names_the_problems_and_imports_nothing(editor):
    response = upload(editor, "t.json", b'{"format": "kiemtra-checklist", "format_version": 1, "templates": ['
                                         b'{"family": "X", "name": "X", "sections": [{"title": "A", "items": ['
                                         b'{"question": "", "answer_type": "maybe"}]}]}]}')
    assert response.status_code == 422
    assert 'id="import-errors"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChecklistTemplate)) == 0
