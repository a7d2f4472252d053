import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, IssuingBody, Role, User
from tests.conftest import HX, login
from tests.factories import make_issuing_body, make_unit, make_user


def user_data(**overrides):
    data = {"username": "Kiemtra1", "full_name": "Nguyễn Văn A", "title": "Chuyên viên", "email": "",
            "role": "inspector", "unit_id": "", "locale": "vi", "active": "y", "password": "initial-pass"}
    data.update(overrides)
    return data


def test_create_user(as_admin, app):
    response = as_admin.post("/admin/users/new", data=user_data())
    assert response.status_code == 303
    user = db.session.scalar(sa.select(User).where(User.username == "kiemtra1"))
    assert user.role == Role.INSPECTOR and user.check_password("initial-pass")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity == "user", AuditEvent.action == "create"))
    assert "password_hash" not in event.changes and event.changes["role"] == [None, "inspector"]


def test_unit_head_needs_a_unit(as_admin):
    response = as_admin.post("/admin/users/new", data=user_data(role="unit_head"))
    assert response.status_code == 422
    assert db.session.scalar(sa.select(User).where(User.username == "kiemtra1")) is None


def test_duplicate_username_is_refused(as_admin):
    make_user(username="kiemtra1")
    assert as_admin.post("/admin/users/new", data=user_data()).status_code == 422


def test_short_initial_password_is_refused(as_admin):
    response = as_admin.post("/admin/users/new", data=user_data(password="short"))
    assert response.status_code == 422
    assert "ít nhất 8 ký tự" in response.get_data(as_text=True)


def test_set_role_and_unit(as_admin):
    user = make_user()
    unit = make_unit()
    response = as_admin.post(f"/admin/users/{user.id}", data=user_data(
        username=user.username, role="unit_head", unit_id=str(unit.id)))
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.role == Role.UNIT_HEAD and user.unit_id == unit.id


def test_deactivated_user_is_logged_out_and_cannot_log_in(app, as_admin):
    user = make_user(username="sap-nghi")
    user_client = login(app.test_client(), user)
    data = user_data(username="sap-nghi")
    del data["active"]  # an unchecked checkbox is simply absent
    assert as_admin.post(f"/admin/users/{user.id}", data=data).status_code == 303
    assert user_client.get("/").status_code == 302
    response = app.test_client().post("/auth/login", data={"username": "sap-nghi", "password": "correct-horse-9"})
    assert response.status_code == 422


def test_admin_cannot_remove_own_admin_rights(as_admin, admin):
    response = as_admin.post(f"/admin/users/{admin.id}", data=user_data(username="admin", role="leader"))
    assert response.status_code == 422
    db.session.refresh(admin)
    assert admin.role == Role.ADMIN


def test_reset_password(as_admin):
    user = make_user()
    response = as_admin.post(f"/admin/users/{user.id}/password",
                             data={"password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.check_password("brand-new-pass")


def test_reset_password_mismatch(as_admin):
    user = make_user()
    response = as_admin.post(f"/admin/users/{user.id}/password",
                             data={"password": "brand-new-pass", "confirm": "other-pass-123"})
    assert response.status_code == 422


def test_user_list_filters_in_sql_and_paginates(as_admin, app):
    app.config["PER_PAGE"] = 5
    for n in range(7):
        make_user(full_name=f"Trần Văn {n}")
    page = as_admin.get("/admin/users?q=Trần").get_data(as_text=True)
    assert page.count("Trần Văn") == 5 and "Trang 1/2" in page
    fragment = as_admin.get("/admin/users?q=Trần&page=2", headers=HX).get_data(as_text=True)
    assert fragment.count("Trần Văn") == 2 and "<html" not in fragment


def test_issuing_body_create_and_edit(as_admin):
    response = as_admin.post("/admin/issuing-bodies/new", data={
        "code": "bcd", "name": "Ban Chỉ đạo CCHC tỉnh", "abbreviation": "BCĐ", "superior_name": "UBND TỈNH KON TUM",
        "place_name": "Kon Tum", "signer_title": "TRƯỞNG BAN", "signer_name": "", "active": "y"})
    assert response.status_code == 303
    body = db.session.scalar(sa.select(IssuingBody))
    assert body.code == "BCD" and body.abbreviation == "BCĐ"
    response = as_admin.post(f"/admin/issuing-bodies/{body.id}", data={
        "code": "BCD", "name": "Ban Chỉ đạo CCHC tỉnh", "abbreviation": "BCĐ", "superior_name": "UBND TỈNH QUẢNG NGÃI",
        "place_name": "Quảng Ngãi", "signer_title": "TRƯỞNG BAN", "signer_name": "", "active": "y"})
    assert response.status_code == 303
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity == "issuing_body",
                                                          AuditEvent.action == "update"))
    assert event.changes["place_name"] == ["Kon Tum", "Quảng Ngãi"]


def test_issuing_body_duplicate_code(as_admin):
    make_issuing_body(code="BCD")
    response = as_admin.post("/admin/issuing-bodies/new", data={
        "code": "bcd", "name": "X", "abbreviation": "X", "place_name": "Kon Tum"})
    assert response.status_code == 422


def test_audit_log_filters(as_admin):
    unit = make_unit()
    as_admin.post(f"/units/{unit.id}/deactivate")
    as_admin.post("/admin/users/new", data=user_data())
    page = as_admin.get("/admin/audit?entity=unit").get_data(as_text=True)
    assert unit.name in page and "kiemtra1" not in page.split('id="audit-results"')[1]
    page = as_admin.get("/admin/audit?action=deactivate", headers=HX).get_data(as_text=True)
    assert "<html" not in page and unit.name in page


def test_audit_log_date_filter_uses_local_days(as_admin):
    as_admin.post("/admin/users/new", data=user_data())
    page = as_admin.get("/admin/audit?date_to=2020-01-01").get_data(as_text=True)
    assert "kiemtra1" not in page.split('id="audit-results"')[1]
    page = as_admin.get("/admin/audit?date_from=2020-01-01").get_data(as_text=True)
    assert "kiemtra1" in page.split('id="audit-results"')[1]


def test_audit_log_bad_date_is_reported(as_admin):
    response = as_admin.get("/admin/audit?date_from=31-12-2025")
    assert response.status_code == 200
    assert "ngày" in response.get_data(as_text=True).lower()


def test_renaming_a_user_to_a_taken_username_is_refused(as_admin):
    make_user(username="taken")
    user = make_user(username="free")
    response = as_admin.post(f"/admin/users/{user.id}", data=user_data(username="taken"))
    assert response.status_code == 422
    db.session.refresh(user)
    assert user.username == "free"


def test_changing_an_issuing_body_code_to_a_taken_one_is_refused(as_admin):
    make_issuing_body(code="A")
    body = make_issuing_body(code="B")
    response = as_admin.post(f"/admin/issuing-bodies/{body.id}", data={
        "code": "a", "name": "X", "abbreviation": "X", "place_name": "Kon Tum"})
    assert response.status_code == 422


def test_admin_resetting_own_password_stays_logged_in(as_admin, admin):
    response = as_admin.post(f"/admin/users/{admin.id}/password",
                             data={"password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert response.status_code == 303
    assert as_admin.get("/admin/users").status_code == 200


def test_editing_a_user_keeps_an_inactive_unit(as_admin):
    unit = make_unit(active=False)
    user = make_user(unit=unit)
    as_admin.post(f"/admin/users/{user.id}", data=user_data(username=user.username, unit_id=str(unit.id)))
    db.session.refresh(user)
    assert user.unit_id == unit.id


def test_user_and_audit_fragments_follow_the_two_test_rule(as_admin):
    for url, root in (("/admin/users", 'id="users-table"'), ("/admin/audit", 'id="audit-results"')):
        full, fragment = as_admin.get(url), as_admin.get(url, headers=HX)
        assert "<html" in full.get_data(as_text=True)
        assert "<html" not in fragment.get_data(as_text=True) and root in fragment.get_data(as_text=True)
        assert "HX-Request" in full.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]
