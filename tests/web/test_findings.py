"""Finding pages over HTTP: the unit head's to-do list, the finding page and its thread, verification,
drafts and issuing, lists with filters, files and ZIPs, and another unit's URLs answering 404."""
import io
import zipfile
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.findings import routes
from app.models import (
    Answer,
    Attachment,
    Finding,
    FindingEventKind,
    FindingStatus,
    InspectionStatus,
    Role,
    Severity,
)
from app.services import findings as service
from tests.conftest import HX, login
from tests.factories import make_finding, make_inspection, make_unit, make_user
from tests.images import png

F = FindingStatus


@pytest.fixture
def concluded(inspection):
    inspection.status = InspectionStatus.CONCLUDED
    inspection.decision_number = "12/QĐ-BCĐ"
    db.session.commit()
    return inspection


@pytest.fixture
def head(concluded):
    return make_user(Role.UNIT_HEAD, unit=concluded.unit, username="head")


@pytest.fixture
def head_client(client, head):
    return login(client, head)


def issued(inspection, **overrides):
    return make_finding(inspection, status=overrides.pop("status", F.OPEN), **overrides)


def upload(name="anh.png"):
    return (io.BytesIO(png()), name)


# --- the unit head's to-do list ------------------------------------------------------------------

def test_unit_head_lands_on_the_to_do_list_overdue_first(concluded, head_client):
    today = clock.local_today()
    later = issued(concluded, title="Hạn sau", due_date=today + timedelta(days=40))
    soon = issued(concluded, title="Sắp đến hạn", due_date=today + timedelta(days=3))
    late = issued(concluded, title="Quá hạn", due_date=today - timedelta(days=2))
    issued(concluded, title="Đã đóng", status=F.CLOSED)
    make_finding(concluded, title="Bản nháp")
    issued(make_inspection(status=InspectionStatus.CONCLUDED), title="Của đơn vị khác")
    page = head_client.get("/").get_data(as_text=True)
    todo = page[page.index('id="todo-findings"'):]
    assert todo.index("Quá hạn") < todo.index("Sắp đến hạn") < todo.index("Hạn sau")
    assert "Đã đóng" not in todo and "Bản nháp" not in page and "Của đơn vị khác" not in page
    assert f'id="finding-{late.id}"' in page and "is-overdue" in page and "is-due-soon" in page
    assert f'id="finding-{soon.id}"' in page and f'id="finding-{later.id}"' in page
    assert 'id="my-units"' in page


@pytest.fixture
def other_units_things(app, instance):
    """A finding of another unit, with a photo on one of its events, and that unit's inspection."""
    other = make_inspection(status=InspectionStatus.CONCLUDED)
    finding = issued(other)
    other_head = make_user(Role.UNIT_HEAD, unit=other.unit)
    event = service.respond(other_head, finding, FindingEventKind.PROGRESS, "Ảnh của họ", [("ho.png", png())])
    return other, finding, event.attachments[0]


def test_unit_head_probing_another_units_urls_gets_404(concluded, head_client, other_units_things):
    other, finding, attachment = other_units_things
    mine = issued(concluded)
    draft = make_finding(concluded)
    urls = [f"/findings/{finding.id}", f"/findings/{finding.id}/files/{attachment.id}",
            f"/findings/{finding.id}/files/{attachment.id}/thumb", f"/findings/{finding.id}/files.zip",
            f"/findings/{mine.id}/files/{attachment.id}",  # their file through my finding
            f"/findings/{draft.id}", f"/findings/units/{other.unit_id}",
            f"/findings/inspections/{other.id}", f"/findings/inspections/{other.id}/files.zip"]
    for url in urls:
        response = head_client.get(url)
        assert response.status_code == 404, url
        assert "Ảnh của họ" not in response.get_data(as_text=True)
        response.close()
    for url in (f"/findings/{finding.id}/respond", f"/findings/{finding.id}/submit", f"/findings/{finding.id}/accept"):
        assert head_client.post(url, data={"respond-text": "x"}).status_code == 404, url
    listing = head_client.get(f"/findings/?unit={other.unit_id}").get_data(as_text=True)
    assert finding.title not in listing


# --- the thread ----------------------------------------------------------------------------------

def test_unit_head_reports_with_a_photo_and_submits(concluded, head_client, instance):
    finding = issued(concluded, title="Chưa niêm yết thủ tục")
    response = head_client.post(f"/findings/{finding.id}/respond", data={
        "respond-kind": "progress", "respond-text": "Đã niêm yết tại bộ phận một cửa",
        "respond-file": upload("niem-yet.png")}, content_type="multipart/form-data")
    assert response.status_code == 303
    page = head_client.get(response.location).get_data(as_text=True)
    assert "Đã niêm yết tại bộ phận một cửa" in page and 'alt="niem-yet.png"' in page
    attachment = db.session.scalar(sa.select(Attachment))
    image = head_client.get(f"/findings/{finding.id}/files/{attachment.id}")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    image.close()
    response = head_client.post(f"/findings/{finding.id}/submit", data={"submit-text": "Đề nghị kiểm tra"})
    assert response.status_code == 303
    db.session.refresh(finding)
    assert finding.status == F.SUBMITTED


def test_submitting_without_evidence_or_reason_is_refused_beside_the_field(concluded, head_client):
    finding = issued(concluded, status=F.IN_PROGRESS)
    response = head_client.post(f"/findings/{finding.id}/submit", data={"submit-text": "Xong rồi"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="submit-no_evidence_reason-error"' in body and "Xong rồi" in body
    db.session.refresh(finding)
    assert finding.status == F.IN_PROGRESS


def test_htmx_post_answers_the_finding_fragment(concluded, head_client):
    finding = issued(concluded)
    response = head_client.post(f"/findings/{finding.id}/respond", headers=HX,
                                data={"respond-kind": "plan", "respond-text": "Kế hoạch khắc phục quý II"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and 'id="finding"' in body
    assert "Kế hoạch khắc phục quý II" in body and "HX-Request" in response.headers["Vary"]
    empty = head_client.post(f"/findings/{finding.id}/respond", headers=HX,
                             data={"respond-kind": "plan", "respond-text": ""})
    assert empty.status_code == 422 and 'id="respond-text-error"' in empty.get_data(as_text=True)


def test_team_lead_sends_back_then_accepts_and_the_inspection_closes(concluded, lead, client):
    finding = issued(concluded, status=F.SUBMITTED)
    login(client, lead)
    assert client.post(f"/findings/{finding.id}/send-back", data={"back-reason": ""}).status_code == 422
    assert client.post(f"/findings/{finding.id}/send-back", data={"back-reason": "Ảnh mờ"}).status_code == 303
    db.session.refresh(finding)
    assert finding.status == F.REOPENED
    finding.status = F.SUBMITTED
    db.session.commit()
    assert client.post(f"/findings/{finding.id}/accept", data={"accept-text": "Đạt"}).status_code == 303
    db.session.refresh(finding)
    db.session.refresh(concluded)
    assert finding.status == F.CLOSED and concluded.status == InspectionStatus.CLOSED
    page = client.get(f"/findings/{finding.id}").get_data(as_text=True)
    assert "Ảnh mờ" in page and "Đạt" in page


def test_unit_head_cannot_verify_their_own_finding(concluded, head_client):
    finding = issued(concluded, status=F.SUBMITTED)
    assert head_client.post(f"/findings/{finding.id}/accept", data={}).status_code == 403
    assert 'id="verify"' not in head_client.get(f"/findings/{finding.id}").get_data(as_text=True)


def test_leader_extends_with_a_date_and_a_reason(concluded, client_as):
    finding = issued(concluded, due_date=date(2026, 5, 1))
    client = client_as("leader")
    response = client.post(f"/findings/{finding.id}/extend", data={"extend-new_due_date": "2026-04-01",
                                                                   "extend-reason": "Lý do"})
    assert response.status_code == 422 and 'id="extend-new_due_date-error"' in response.get_data(as_text=True)
    response = client.post(f"/findings/{finding.id}/extend", data={"extend-new_due_date": "2026-06-15",
                                                                   "extend-reason": "Chờ kinh phí"})
    assert response.status_code == 303
    page = client.get(f"/findings/{finding.id}").get_data(as_text=True)
    assert "15/06/2026" in page and "Chờ kinh phí" in page


def test_finding_page_shows_its_item_answer_and_photos(concluded, lead, client, instance):
    item = concluded.template.items[0]
    answer = Answer(inspection_id=concluded.id, item_id=item.id, result="fail", note="Thiếu 3 thủ tục")
    db.session.add(answer)
    db.session.commit()
    from app.services import evidence

    evidence.attach_files(lead, evidence.prepare_files([("hien-truong.png", png())]), answer_id=answer.id)
    db.session.commit()
    finding = issued(concluded, item_id=item.id)
    page = login(client, lead).get(f"/findings/{finding.id}").get_data(as_text=True)
    assert item.question in page and "Thiếu 3 thủ tục" in page and 'alt="hien-truong.png"' in page


# --- drafts and issuing --------------------------------------------------------------------------

def test_team_confirms_a_proposal_and_the_leader_issues_it(inspection, lead, client, client_as):
    item = inspection.template.items[0]
    db.session.add(Answer(inspection_id=inspection.id, item_id=item.id, result="fail", note=""))
    db.session.commit()
    login(client, lead)
    assert client.post(f"/findings/inspections/{inspection.id}/propose").status_code == 303
    finding = db.session.scalar(sa.select(Finding))
    page = client.get(f"/findings/inspections/{inspection.id}").get_data(as_text=True)
    assert "is-proposed" in page and item.question in page
    form = {"title": "", "description": "", "legal_basis": "", "severity": "serious", "recommendation": "",
            "unit_id": inspection.unit_id, "due_date": "", "row_version": finding.row_version}
    response = client.post(f"/findings/{finding.id}/edit", data=form)
    assert response.status_code == 422 and 'id="title-error"' in response.get_data(as_text=True)
    response = client.post(f"/findings/{finding.id}/edit", data=form | {
        "title": "Chưa công khai thủ tục", "recommendation": "Niêm yết đầy đủ trong 15 ngày"})
    assert response.status_code == 303
    db.session.refresh(inspection)  # proposing claimed the inspection's row version
    inspection.status = InspectionStatus.MINUTES_SIGNED
    db.session.commit()
    assert 'id="issue"' not in client.get(f"/findings/inspections/{inspection.id}").get_data(as_text=True)
    leader = client_as("leader")
    page = leader.get(f"/findings/inspections/{inspection.id}").get_data(as_text=True)
    assert 'id="issue"' in page and "#inspection-documents" in page  # issued with the conclusion notice
    service.issue_findings(make_user(Role.LEADER), inspection)  # as the notice does (tests/web/test_documents.py)
    db.session.refresh(finding)
    assert finding.status == F.OPEN and finding.code.endswith("/01") and finding.severity == Severity.SERIOUS
    summary = leader.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert 'id="inspection-findings-summary"' in summary


def test_team_adds_a_finding_tied_to_no_item(inspection, lead, client):
    login(client, lead)
    response = client.post(f"/findings/inspections/{inspection.id}/new", data={
        "title": "Không có sổ theo dõi", "description": "", "legal_basis": "", "severity": "minor",
        "recommendation": "Lập sổ", "unit_id": inspection.unit_id, "due_date": ""})
    assert response.status_code == 303
    finding = db.session.scalar(sa.select(Finding))
    assert finding.item_id is None and finding.confirmed


def test_dismissing_needs_a_reason(inspection, lead, client):
    finding = make_finding(inspection, confirmed=False)
    login(client, lead)
    response = client.post(f"/findings/{finding.id}/dismiss", data={"dismiss-reason": ""})
    assert response.status_code == 422 and 'id="dismiss-reason-error"' in response.get_data(as_text=True)
    assert client.post(f"/findings/{finding.id}/dismiss", data={"dismiss-reason": "Trùng"}).status_code == 303
    db.session.refresh(finding)
    assert finding.status == F.DISMISSED


@pytest.mark.parametrize("role", ["inspector", "unit_head"])
def test_outsiders_cannot_draft(inspection, client_as, role):
    client = client_as(role)
    assert client.get(f"/findings/inspections/{inspection.id}/new").status_code == 404


# --- lists and files -----------------------------------------------------------------------------

def test_list_filters_search_and_fragment(concluded, client_as):
    today = clock.local_today()
    late = issued(concluded, title="Chậm trả hồ sơ", due_date=today - timedelta(days=1), severity=Severity.SERIOUS)
    issued(concluded, title="Thiếu niêm yết", due_date=today + timedelta(days=20))
    repeat = issued(concluded, title="Lặp lại", repeat_of_id=late.id)
    client = client_as("leader")
    page = client.get("/findings/?overdue=1").get_data(as_text=True)
    assert "Chậm trả hồ sơ" in page and "Thiếu niêm yết" not in page
    assert "Lặp lại" in client.get("/findings/?repeat=1").get_data(as_text=True)
    assert "Thiếu niêm yết" not in client.get("/findings/?severity=serious").get_data(as_text=True)
    fragment = client.get("/findings/?q=niêm", headers=HX)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="finding-results"' in body and "Thiếu niêm yết" in body
    assert "Chậm trả hồ sơ" not in body and "HX-Request" in fragment.headers["Vary"]
    assert repeat.code in client.get(f"/findings/units/{concluded.unit_id}").get_data(as_text=True)


def test_every_page_of_the_list_is_overdue_first_then_by_due_date_none_last(app, concluded, client_as):
    """A leader's whole list reads its pages in index order, a list searched by words counts its
    matches as it sorts them, another narrowed list sorts them (finding_lists.page_of_ids): all give
    the same pages."""
    app.config["PER_PAGE"] = 2
    today, day = clock.local_today(), timedelta(days=1)
    in_order = [issued(concluded, title="Quá hạn lâu nhất", due_date=today - 9 * day),
                issued(concluded, title="Quá hạn hôm qua", due_date=today - day, status=F.SUBMITTED),
                issued(concluded, title="Đóng từ lâu", due_date=today - 20 * day, status=F.CLOSED),
                issued(concluded, title="Còn hạn năm ngày", due_date=today + 5 * day, status=F.IN_PROGRESS),
                issued(concluded, title="Không hạn một", due_date=None),
                issued(concluded, title="Không hạn hai", due_date=None, status=F.CLOSED)]
    make_finding(concluded, title="Bản nháp")
    issued(concluded, title="Đã bỏ", status=F.DISMISSED)
    client = client_as("leader")
    for narrowed in ({}, {"q": "mô tả khắc"}, {"severity": "minor"}):  # every finding says "Mô tả", "Khắc phục"
        seen = []
        for number in (1, 2, 3):
            page = client.get("/findings/", query_string=narrowed | {"page": number}).get_data(as_text=True)
            assert f"Trang {number}/3" in page
            seen += sorted((f for f in in_order if f.title in page), key=lambda f: page.index(f.title))
        assert [f.title for f in seen] == [f.title for f in in_order]
        assert client.get("/findings/", query_string=narrowed | {"page": 4}).status_code == 404


def test_unit_filter_is_a_choice_or_for_many_units_a_search(concluded, client_as, monkeypatch):
    other = make_unit(name="Ủy ban nhân dân xã Hòa Bình", code="XHB")
    issued(concluded, title="Thiếu niêm yết")
    issued(concluded, title="Chậm trả hồ sơ", unit_id=other.id)
    client = client_as("leader")
    page = client.get("/findings/").get_data(as_text=True)
    assert f'<option value="{other.id}">Ủy ban nhân dân xã Hòa Bình</option>' in page and 'name="unit_q"' not in page

    monkeypatch.setattr(routes, "UNIT_CHOICES_MOST", 1)  # a national leader's thousands of units
    page = client.get("/findings/").get_data(as_text=True)
    assert 'name="unit_q"' in page and '<select name="unit">' not in page
    for words in ("hoa binh", "XHB"):
        found = client.get("/findings/", query_string={"unit_q": words}).get_data(as_text=True)
        assert "Chậm trả hồ sơ" in found and "Thiếu niêm yết" not in found


def test_zip_of_a_finding_is_named_by_its_code(concluded, head_client, instance):
    finding = issued(concluded)
    head_client.post(f"/findings/{finding.id}/respond", data={
        "respond-kind": "progress", "respond-text": "Ảnh", "respond-file": upload("a.png")},
        content_type="multipart/form-data")
    response = head_client.get(f"/findings/{finding.id}/files.zip")
    assert response.status_code == 200
    assert finding.code.replace("/", "-") + ".zip" in response.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    response.close()
    assert len(names) == 1 and names[0].startswith(finding.code.replace("/", "-") + "/follow-up/")
    whole = head_client.get(f"/findings/inspections/{concluded.id}/files.zip")
    assert whole.status_code == 200 and len(zipfile.ZipFile(io.BytesIO(whole.data)).namelist()) == 1
    whole.close()


def test_posts_need_a_csrf_token(app, concluded, head):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    finding = issued(concluded)
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/auth/login", data={"username": head.username, "password": "correct-horse-9", "csrf_token": token})
    response = client.post(f"/findings/{finding.id}/respond", data={"respond-kind": "plan", "respond-text": "x"})
    assert response.status_code == 400


def test_findings_nav_for_every_role(client_as):
    for role in ("admin", "leader", "inspector", "unit_head"):
        assert 'href="/findings/"' in client_as(role).get("/").get_data(as_text=True)


def test_overdue_appears_at_midnight_in_vietnam_not_in_utc(concluded, head, client):
    from freezegun import freeze_time

    finding = issued(concluded, due_date=date(2031, 5, 1))
    with freeze_time("2031-05-01 16:30:00"):  # 23:30 in Hà Nội: due today
        row = login(client, head).get("/").get_data(as_text=True).split(f'id="finding-{finding.id}"')[0]
        assert row.endswith('is-due-soon" ')
    with freeze_time("2031-05-01 17:30:00"):  # 00:30 on 2 May in Hà Nội, still 1 May in UTC
        page = client.get("/").get_data(as_text=True)
        assert page.split(f'id="finding-{finding.id}"')[0].endswith('is-overdue" ')
        assert "/findings/?overdue=1" in page


def test_a_repeat_does_not_show_an_earlier_finding_the_unit_head_may_not_see(concluded, head_client):
    from tests.factories import make_unit

    elsewhere = make_unit(name="UBND xã Ngọc Réo")
    earlier = issued(concluded, title="Chưa niêm yết thủ tục", unit_id=elsewhere.id)  # reassigned since
    finding = issued(concluded, repeat_of_id=earlier.id)
    page = head_client.get(f"/findings/{finding.id}").get_data(as_text=True)
    assert "Chưa niêm yết thủ tục" not in page and earlier.code not in page
    assert head_client.get(f"/findings/{earlier.id}").status_code == 404
