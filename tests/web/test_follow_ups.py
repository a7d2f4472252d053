"""Directives, tasks and follow-up items over HTTP: leaders write directives and tasks, a unit head
reports on their unit's items (page and htmx fragment), the secretariat evaluates; bad input comes
back in Vietnamese with nothing lost, and another unit's URLs answer 404."""
import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Directive, FollowUpItem, FollowUpStatus, Role
from app.services import directives
from tests.conftest import HX, login
from tests.factories import make_directive, make_unit, make_user
from tests.images import png


@pytest.fixture
def leader(app):
    return make_user(Role.LEADER, username="leader")


@pytest.fixture
def unit(app):
    return make_unit(name="Sở Tư pháp")


@pytest.fixture
def head(unit):
    return make_user(Role.UNIT_HEAD, unit=unit, username="head")


@pytest.fixture
def directive(app):
    return make_directive(number="517/BCĐ-NC", subject="Triển khai nhiệm vụ trọng tâm về cải cách hành chính")


@pytest.fixture
def item(leader, directive, unit):
    task = directives.save_task(leader, directive, None, directives.Assignment([unit.id], []),
                                title="Cải cách thể chế", code="3d.1", due_date=date(2099, 12, 31))
    return db.session.scalar(sa.select(FollowUpItem).where(FollowUpItem.task_id == task.id))


def test_a_leader_creates_a_directive_with_its_signed_file_and_finds_it_without_diacritics(client, leader, instance):
    body_id = make_directive().issuing_body_id
    login(client, leader)
    form = {"number": "", "issued_on": "2023-03-02", "issuing_body_id": str(body_id),
            "subject": "Triển khai cải cách hành chính"}
    refused = client.post("/directives/new", data=form)
    assert refused.status_code == 422 and "Triển khai cải cách hành chính" in refused.text
    saved = client.post("/directives/new", data={**form, "number": "517/BCĐ-NC",
                                                 "file": (io.BytesIO(b"%PDF-1.4 ky"), "517.pdf")},
                        content_type="multipart/form-data")
    assert saved.status_code == 303
    directive = db.session.scalar(sa.select(Directive).where(Directive.number == "517/BCĐ-NC"))
    page = client.get(saved.headers["Location"]).text
    assert "517/BCĐ-NC" in page and "517.pdf" in page
    signed = client.get(f"/directives/{directive.id}/files/{directive.files[0].id}")
    assert signed.data == b"%PDF-1.4 ky"
    signed.close()
    assert "517/BCĐ-NC" in client.get("/directives/?q=trien+khai").text
    assert "517/BCĐ-NC" in client.get("/reports/search?q=cai+cach+hanh").text


def test_a_task_due_before_the_directive_is_refused_in_words_and_nothing_typed_is_lost(client, leader, directive, unit):
    login(client, leader)
    response = client.post(f"/directives/{directive.id}/tasks/new", data={
        "title": "Rà soát thủ tục hành chính nội bộ", "due_date": "2023-01-31", "lead": [str(unit.id)]})
    assert response.status_code == 422
    assert "trước ngày ban hành" in response.text and "Rà soát thủ tục hành chính nội bộ" in response.text
    response = client.post(f"/directives/{directive.id}/tasks/new", data={
        "title": "Rà soát thủ tục hành chính nội bộ", "due_date": "2023-12-31", "lead": [str(unit.id)]})
    assert response.status_code == 303
    assert "Rà soát thủ tục hành chính nội bộ" in client.get(f"/directives/{directive.id}").text


def test_only_leaders_and_administrators_write_directives(client, directive):
    login(client, make_user(Role.INSPECTOR))
    assert client.get("/directives/new").status_code == 403
    assert client.get(f"/directives/{directive.id}/tasks/new").status_code == 403
    assert client.get(f"/directives/{directive.id}").status_code == 200  # staff read them


def test_the_unit_head_sees_the_task_on_the_to_do_list_and_reports_with_a_photo(client, head, item, instance):
    login(client, head)
    assert "Cải cách thể chế" in client.get("/").text
    page = client.post(f"/follow-ups/{item.id}/report", headers=HX, content_type="multipart/form-data", data={
        "report-kind": "report", "report-text": "Đã ban hành kế hoạch", "report-file": (io.BytesIO(png()), "anh.png")})
    assert page.status_code == 200 and 'id="follow-up"' in page.text and "<html" not in page.text
    assert "Đã ban hành kế hoạch" in page.text and 'alt="anh.png"' in page.text
    db.session.expire_all()
    assert db.session.get(FollowUpItem, item.id).status == FollowUpStatus.IN_PROGRESS
    plain = client.post(f"/follow-ups/{item.id}/complete", data={"complete-text": ""})
    assert plain.status_code == 422 and "<html" in plain.text


def test_another_units_head_gets_404_and_the_directive_of_another_unit_too(client, item, directive):
    login(client, make_user(Role.UNIT_HEAD, unit=make_unit()))
    assert client.get(f"/follow-ups/{item.id}").status_code == 404
    assert client.post(f"/follow-ups/{item.id}/report", data={"report-kind": "report", "report-text": "x"}).status_code == 404
    assert client.get(f"/directives/{directive.id}").status_code == 404


def test_the_secretariat_evaluates_a_completion(app, client, leader, head, item):
    login(client, head)
    assert client.post(f"/follow-ups/{item.id}/complete", data={"complete-text": "Đã hoàn thành"}).status_code == 303
    client = login(app.test_client(), leader)
    refused = client.post(f"/follow-ups/{item.id}/evaluate", data={"evaluate-outcome": "not_done"})
    assert refused.status_code == 422 and "lý do" in refused.text
    assert client.post(f"/follow-ups/{item.id}/evaluate", data={"evaluate-outcome": "on_time"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(FollowUpItem, item.id).status == FollowUpStatus.CLOSED
    assert "Hoàn thành đúng hạn" in client.get(f"/follow-ups/{item.id}").text


def test_a_report_on_a_closed_item_says_so(client, leader, head, item):
    item.status = FollowUpStatus.CLOSED
    db.session.commit()
    login(client, head)
    response = client.post(f"/follow-ups/{item.id}/report", data={"report-kind": "report", "report-text": "Muộn"})
    assert response.status_code == 422 and "không nhận thêm báo cáo" in response.text


def test_the_list_filters_by_unit_and_overdue(client, leader, item, unit):
    login(client, leader)
    assert "Cải cách thể chế" in client.get(f"/follow-ups/?unit={unit.id}").text
    assert "Cải cách thể chế" not in client.get("/follow-ups/?overdue=1").text
    assert "Cải cách thể chế" in client.get(f"/findings/units/{unit.id}").text


def test_a_demo_remediation_item_shows_its_index_score(app, client, leader, instance):
    from app.demo import seed_demo
    seed_demo()
    item = db.session.scalar(sa.select(FollowUpItem).where(FollowUpItem.criterion_code == "III.2"))
    login(client, leader)
    page = client.get(f"/follow-ups/{item.id}").text
    assert "Tỷ lệ hồ sơ TTHC giải quyết đúng hạn" in page and "1,5 / 4" in page
