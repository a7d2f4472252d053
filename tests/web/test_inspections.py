from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Inspection, InspectionStatus, Role, TeamRole, TemplateStatus
from tests.conftest import HX, login
from tests.factories import make_inspection, make_template, make_unit, make_user


def form_data(**overrides):
    data = {"title": "Kiểm tra công vụ UBND huyện Đắk Hà", "kind": "unannounced", "legal_basis": "",
            "decision_number": "", "decision_date": "", "issuing_body_id": "", "planned_start": "2026-05-04",
            "planned_end": "2026-05-05", "place": "Trụ sở UBND huyện", "deputy_id": "", "secretary_id": ""}
    data.update(overrides)
    return data


@pytest.fixture
def leader_client(client_as):
    return client_as("leader")


def test_leader_creates_an_inspection_with_its_team(leader_client):
    unit = make_unit()
    template = make_template(status=TemplateStatus.PUBLISHED)
    lead, member, secretary = make_user(), make_user(), make_user()
    response = leader_client.post("/inspections/new", data=form_data(
        unit_id=unit.id, template_id=template.id, lead_id=lead.id, secretary_id=secretary.id,
        member_ids=[member.id]))
    assert response.status_code == 303
    inspection = db.session.scalar(sa.select(Inspection))
    assert inspection.unit_id == unit.id and inspection.kind.value == "unannounced"
    assert {(m.user_id, m.role) for m in inspection.members} == {
        (lead.id, TeamRole.LEAD), (secretary.id, TeamRole.SECRETARY), (member.id, TeamRole.MEMBER)}
    page = leader_client.get(response.location).get_data(as_text=True)
    assert lead.full_name in page and "Trưởng đoàn" in page


def test_invalid_form_keeps_what_was_typed(leader_client):
    response = leader_client.post("/inspections/new", data=form_data(planned_end="2026-05-01", unit_id="",
                                                                      template_id="", lead_id=""))
    assert response.status_code == 422
    assert 'value="Kiểm tra công vụ UBND huyện Đắk Hà"' in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["inspector", "unit_head"])
def test_only_managers_create(client_as, role):
    assert client_as(role).get("/inspections/new").status_code == 403


def test_inspector_sees_only_own_inspections(app, client):
    mine_lead = make_user()
    mine = make_inspection(lead=mine_lead, title="Cuộc của tôi")
    make_inspection(title="Cuộc của người khác")
    login(client, mine_lead)
    page = client.get("/inspections/").get_data(as_text=True)
    assert "Cuộc của tôi" in page and "Cuộc của người khác" not in page
    other = db.session.scalar(sa.select(Inspection).where(Inspection.title == "Cuộc của người khác"))
    assert client.get(f"/inspections/{other.id}").status_code == 404
    assert client.get(f"/inspections/{mine.id}").status_code == 200
    assert client.get(f"/inspections/{mine.id}/edit").status_code == 403


def test_unit_head_sees_own_unit_only_after_minutes(app, client):
    unit = make_unit()
    head = make_user(Role.UNIT_HEAD, unit=unit)
    inspection = make_inspection(unit=unit, title="Kiểm tra đơn vị tôi")
    login(client, head)
    assert client.get(f"/inspections/{inspection.id}").status_code == 404
    inspection.status = InspectionStatus.MINUTES_SIGNED
    db.session.commit()
    assert client.get(f"/inspections/{inspection.id}").status_code == 200
    other = make_inspection(status=InspectionStatus.MINUTES_SIGNED)
    assert client.get(f"/inspections/{other.id}").status_code == 404


def test_list_filters_and_fragment(leader_client):
    make_inspection(title="Kiểm tra Sở Tư pháp", planned_start=date(2025, 6, 1), planned_end=date(2025, 6, 2))
    make_inspection(title="Kiểm tra Đắk Hà", planned_start=date(2026, 6, 1), planned_end=date(2026, 6, 2))
    page = leader_client.get("/inspections/?year=2025").get_data(as_text=True)
    assert "Kiểm tra Sở Tư pháp" in page and "Kiểm tra Đắk Hà" not in page
    fragment = leader_client.get("/inspections/?q=Đắk", headers=HX)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="inspection-results"' in body and "Kiểm tra Đắk Hà" in body
    assert "HX-Request" in fragment.headers["Vary"]
    assert "Kiểm tra Đắk Hà" not in leader_client.get("/inspections/?status=scheduled").get_data(as_text=True)


def test_edit_with_a_stale_version_is_refused(leader_client):
    inspection = make_inspection()
    data = form_data(unit_id=inspection.unit_id, template_id=inspection.template_id, lead_id=inspection.lead.id,
                     row_version=inspection.row_version)
    assert leader_client.post(f"/inspections/{inspection.id}/edit", data=data | {"title": "Một"}).status_code == 303
    response = leader_client.post(f"/inspections/{inspection.id}/edit", data=data | {"title": "Hai"})
    assert response.status_code == 422
    db.session.refresh(inspection)
    assert inspection.title == "Một"


def test_schedule_start_and_cancel_through_the_page(leader_client, app):
    inspection = make_inspection(decision_number="5/QĐ-SNV", decision_date=date(2026, 3, 1))
    assert leader_client.post(f"/inspections/{inspection.id}/schedule").status_code == 303
    lead_client = login(app.test_client(), inspection.lead)
    lead_client.post(f"/inspections/{inspection.id}/start")
    db.session.refresh(inspection)
    assert inspection.status == InspectionStatus.IN_PROGRESS
    assert lead_client.post(f"/inspections/{inspection.id}/cancel", data={"reason": "x"}).status_code == 403
    page = leader_client.post(f"/inspections/{inspection.id}/cancel", data={"reason": ""},
                              follow_redirects=True).get_data(as_text=True)
    assert "lý do" in page.lower()
    leader_client.post(f"/inspections/{inspection.id}/cancel", data={"reason": "Đơn vị sáp nhập"})
    db.session.refresh(inspection)
    assert inspection.status == InspectionStatus.CANCELLED


def test_the_plan_opens_on_the_year_in_vietnam_around_new_year(client):
    """At 20:00 UTC on 31 December it is already New Year in Vietnam (UTC+7)."""
    from freezegun import freeze_time

    make_inspection(title="Kiểm tra đầu năm", planned_start=date(2027, 1, 5), planned_end=date(2027, 1, 6))
    with freeze_time("2026-12-31 20:00:00"):
        login(client, make_user(Role.LEADER))
        page = client.get("/inspections/plan").get_data(as_text=True)
    assert "<h1>Kế hoạch kiểm tra năm 2027</h1>" in page and "05/01/2027" in page


def test_annual_plan_by_month(leader_client):
    make_inspection(title="A", planned_start=date(2026, 3, 10), planned_end=date(2026, 3, 11),
                    status=InspectionStatus.CONCLUDED)
    make_inspection(title="B", planned_start=date(2026, 9, 1), planned_end=date(2026, 9, 2))
    page = leader_client.get("/inspections/plan?year=2026").get_data(as_text=True)
    assert "1/2" in page.split('id="plan-summary"')[1].split("</p>")[0]
    assert page.index("Tháng 3") < page.index("Tháng 9")
