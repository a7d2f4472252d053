import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from app.extensions import db
from app.models import AuditEvent, Unit, UnitKind
from tests.conftest import HX
from tests.factories import make_unit, make_user


def unit_data(**overrides):
    data = {"code": "snv", "name": "Sở Nội vụ", "kind": "department", "parent_id": "", "valid_from": "",
            "valid_to": ""}
    data.update(overrides)
    return data


def test_create_unit(as_admin):
    response = as_admin.post("/units/new", data=unit_data())
    assert response.status_code == 303
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "SNV"))
    assert unit.name == "Sở Nội vụ" and unit.kind == UnitKind.DEPARTMENT and unit.active
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity == "unit"))
    assert event.action == "create" and event.user.username == "admin"
    assert event.changes["code"] == [None, "SNV"]


def test_create_unit_under_a_parent(as_admin):
    parent = make_unit(code="UBND")
    as_admin.post("/units/new", data=unit_data(parent_id=str(parent.id)))
    assert db.session.scalar(sa.select(Unit).where(Unit.code == "SNV")).parent_id == parent.id


def test_duplicate_code_is_refused_beside_the_field(as_admin):
    make_unit(code="SNV")
    response = as_admin.post("/units/new", data=unit_data())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Mã này đã được dùng" in page
    assert 'value="Sở Nội vụ"' in page  # what the user typed is kept


def test_missing_fields_are_reported_in_vietnamese(as_admin):
    response = as_admin.post("/units/new", data=unit_data(code="", name=""))
    assert response.status_code == 422
    assert "bắt buộc" in response.get_data(as_text=True)


def test_edit_unit_records_before_and_after(as_admin):
    unit = make_unit(code="STP", name="Sở Tư pháp cũ")
    response = as_admin.post(f"/units/{unit.id}/edit", data=unit_data(code="STP", name="Sở Tư pháp"))
    assert response.status_code == 303
    db.session.refresh(unit)
    assert unit.name == "Sở Tư pháp"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "update"))
    assert event.changes == {"name": ["Sở Tư pháp cũ", "Sở Tư pháp"]}


def test_move_unit(as_admin):
    old, new, unit = make_unit(), make_unit(), make_unit()
    unit.parent_id = old.id
    db.session.commit()
    response = as_admin.post(f"/units/{unit.id}/move", data={"parent_id": str(new.id)})
    assert response.status_code == 303
    db.session.refresh(unit)
    assert unit.parent_id == new.id


def test_move_under_own_descendant_is_refused(as_admin):
    top = make_unit()
    middle = make_unit(parent_id=top.id)
    bottom = make_unit(parent_id=middle.id)
    response = as_admin.post(f"/units/{top.id}/move", data={"parent_id": str(bottom.id)})
    assert response.status_code == 422
    assert "dưới đơn vị trực thuộc của nó" in response.get_data(as_text=True)
    db.session.refresh(top)
    assert top.parent_id is None


def test_deactivate_and_activate(as_admin):
    unit = make_unit()
    assert as_admin.post(f"/units/{unit.id}/deactivate").status_code == 303
    db.session.refresh(unit)
    assert not unit.active
    assert unit.name not in as_admin.get("/units/").get_data(as_text=True)
    assert unit.name in as_admin.get("/units/?inactive=1").get_data(as_text=True)
    as_admin.post(f"/units/{unit.id}/activate")
    db.session.refresh(unit)
    assert unit.active


def test_delete_unit_without_history(as_admin):
    unit = make_unit()
    assert as_admin.post(f"/units/{unit.id}/delete").status_code == 303
    assert db.session.scalar(sa.select(Unit.id).where(Unit.id == unit.id)) is None


def test_unit_with_users_cannot_be_deleted(as_admin):
    unit = make_unit()
    make_user(unit=unit)
    response = as_admin.post(f"/units/{unit.id}/delete", follow_redirects=True)
    assert "ngừng hoạt động" in response.get_data(as_text=True)
    assert db.session.get(Unit, unit.id) is not None


def test_succession_keeps_history(as_admin):
    kon_tum = make_unit(code="KT", name="UBND tỉnh Kon Tum", kind=UnitKind.PROVINCE)
    quang_ngai = make_unit(code="QN", name="UBND tỉnh Quảng Ngãi", kind=UnitKind.PROVINCE)
    response = as_admin.post(f"/units/{kon_tum.id}/succession",
                             data={"successor_id": str(quang_ngai.id), "on_date": "2025-07-01"})
    assert response.status_code == 303
    db.session.refresh(kon_tum)
    assert kon_tum.successor_id == quang_ngai.id
    assert kon_tum.valid_to == date(2025, 6, 30)
    assert not kon_tum.active
    page = as_admin.get(f"/units/{quang_ngai.id}").get_data(as_text=True)
    assert "UBND tỉnh Kon Tum" in page  # "took over from"


def test_succession_to_an_inactive_unit_is_refused(as_admin):
    unit, gone = make_unit(), make_unit(active=False)
    response = as_admin.post(f"/units/{unit.id}/succession",
                             data={"successor_id": str(gone.id), "on_date": "2025-07-01"})
    assert response.status_code == 422


def test_tree_shows_nested_units(as_admin):
    parent = make_unit(name="UBND tỉnh")
    make_unit(name="Sở Nội vụ", parent_id=parent.id)
    page = as_admin.get("/units/").get_data(as_text=True)
    assert page.index("UBND tỉnh") < page.index("Sở Nội vụ")
    assert "<details open>" in page


def test_search_returns_fragment_for_htmx_and_page_otherwise(as_admin):
    make_unit(name="Sở Tư pháp")
    make_unit(name="Sở Tài chính")
    full = as_admin.get("/units/?q=pháp")
    assert "<html" in full.get_data(as_text=True)
    assert "HX-Request" in full.headers["Vary"]
    fragment = as_admin.get("/units/?q=pháp", headers=HX)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="unit-tree"' in body
    assert "Sở Tư pháp" in body and "Sở Tài chính" not in body
    assert "HX-Request" in fragment.headers["Vary"]


def test_history_restore_requests_get_the_full_page(as_admin):
    headers = {**HX, "HX-History-Restore-Request": "true"}
    assert "<html" in as_admin.get("/units/", headers=headers).get_data(as_text=True)


# --- import -------------------------------------------------------------------------------------

def upload(client, filename, content: bytes):
    return client.post("/units/import", data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def test_import_csv_creates_tree_and_updates_existing(as_admin):
    make_unit(code="SNV", name="Tên cũ")
    csv_text = (
        "Mã;Tên;Loại;Mã đơn vị cấp trên\n"
        "XA-1;UBND xã Một;commune;HUYEN\n"  # parent appears on a later row
        "HUYEN;UBND huyện Đắk Hà;district;\n"
        "SNV;Sở Nội vụ;Sở, ban, ngành;\n"
    )
    response = upload(as_admin, "units.csv", csv_text.encode("utf-8-sig"))
    assert response.status_code == 303
    units = {u.code: u for u in db.session.scalars(sa.select(Unit))}
    assert units["XA-1"].parent_id == units["HUYEN"].id
    assert units["SNV"].name == "Sở Nội vụ"
    assert units["SNV"].kind == UnitKind.DEPARTMENT


def test_import_xlsx(as_admin):
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã", "Tên", "Loại", "Mã đơn vị cấp trên"])
    sheet.append(["TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh", "service_center", None])
    buffer = io.BytesIO()
    book.save(buffer)
    assert upload(as_admin, "units.xlsx", buffer.getvalue()).status_code == 303
    assert db.session.scalar(sa.select(Unit).where(Unit.code == "TTPVHCC")).kind == UnitKind.SERVICE_CENTER


def test_bad_rows_are_named_and_nothing_is_imported(as_admin):
    csv_text = (
        "code,name,kind,parent_code\n"
        "A,Đơn vị A,department,\n"
        ",Không mã,department,\n"
        "B,Đơn vị B,planet,\n"
        "C,Đơn vị C,department,NOWHERE\n"
        "A,Trùng mã,department,\n"
    )
    response = upload(as_admin, "units.csv", csv_text.encode())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for row, column in ((3, "Mã"), (4, "Loại"), (5, "Mã đơn vị cấp trên"), (6, "Mã")):
        assert f"Dòng {row}, cột &#34;{column}&#34;:" in page
    assert "planet" in page and "NOWHERE" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 0


@pytest.mark.parametrize(
    "filename, content, message",
    [
        ("units.txt", b"x", "chọn tệp .xlsx hoặc .csv"),
        ("units.xlsx", b"not a workbook", "không phải là tệp Excel"),
        ("units.csv", "Mã,Tên\nA,B\n".encode(), "Dòng 1"),
        ("units.csv", b"\xff\xfe\x00bad", "UTF-8"),
    ],
)
def test_unreadable_files_get_a_clear_message(as_admin, filename, content, message):
    response = upload(as_admin, filename, content)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_changing_a_code_to_a_taken_one_is_refused(as_admin):
    make_unit(code="A")
    unit = make_unit(code="B")
    response = as_admin.post(f"/units/{unit.id}/edit", data=unit_data(code="a", name="B"))
    assert response.status_code == 422
    db.session.refresh(unit)
    assert unit.code == "B"


def test_import_refuses_a_cycle(as_admin):
    csv_text = "code,name,kind,parent_code\nA,A,department,B\nB,B,department,A\n"
    response = upload(as_admin, "units.csv", csv_text.encode())
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 0


def test_editing_a_unit_keeps_its_inactive_parent(as_admin):
    parent = make_unit(active=False)
    unit = make_unit(parent_id=parent.id, name="Cũ")
    page = as_admin.get(f"/units/{unit.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{parent.id}">' in page
    as_admin.post(f"/units/{unit.id}/edit", data=unit_data(code=unit.code, name="Mới", parent_id=str(parent.id)))
    db.session.refresh(unit)
    assert (unit.name, unit.parent_id) == ("Mới", parent.id)


def test_import_without_parent_column_keeps_parents(as_admin):
    parent = make_unit(code="P")
    child = make_unit(code="C", parent_id=parent.id)
    assert upload(as_admin, "units.csv", "code,name,kind\nC,Tên mới,department\n".encode()).status_code == 303
    db.session.refresh(child)
    assert (child.name, child.parent_id) == ("Tên mới", parent.id)


def test_succeeded_unit_cannot_be_activated_again(as_admin):
    old, new = make_unit(), make_unit()
    as_admin.post(f"/units/{old.id}/succession", data={"successor_id": str(new.id), "on_date": "2025-07-01"})
    response = as_admin.post(f"/units/{old.id}/activate", follow_redirects=True)
    assert "không thể" in response.get_data(as_text=True).lower()
    db.session.refresh(old)
    assert not old.active
