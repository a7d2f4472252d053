"""The tablet checklist over HTTP: page and fragments, autosave, conflicts, the no-JS section form."""
import pytest
import sqlalchemy as sa

from app import create_app
from app.config import TestingConfig
from app.extensions import db
from app.models import Answer, InspectionStatus, Role, TemplateStatus
from app.services import answers
from tests.conftest import HX, login
from tests.factories import make_template, make_user


@pytest.fixture
def team_client(client, lead):
    return login(client, lead)


def autosave(client, inspection, item, version=0, save="s1", **values):
    data = {f"a{item.id}-{name}": value for name, value in values.items()}
    data |= {f"a{item.id}-version": str(version), f"a{item.id}-save": save}
    return client.post(f"/inspections/{inspection.id}/answers/{item.id}", data=data, headers=HX)


def test_page_has_one_card_per_item_and_works_without_javascript(team_client, inspection):
    page = team_client.get(f"/inspections/{inspection.id}/checklist").get_data(as_text=True)
    assert page.count('class="item-card') == 3
    assert f'id="section-form-{inspection.template.sections[0].id}"' in page
    assert "Lưu phần này" in page and "Câu hỏi 1" in page


def test_autosave_returns_the_save_state_and_announces_it(team_client, inspection):
    item = inspection.template.sections[0].items[0]
    response = autosave(team_client, inspection, item, result="pass")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert f'id="state-{item.id}"' in body and 'value="1"' in body  # the new row version
    assert response.headers["HX-Trigger"] == "answerSaved"
    # The progress panel listens for answerSaved and fetches itself once after a burst of saves.
    progress = team_client.get(f"/inspections/{inspection.id}/progress", headers=HX).get_data(as_text=True)
    assert progress.startswith('<aside id="progress"') and "1/3" in progress
    assert team_client.get(f"/inspections/{inspection.id}/progress").status_code == 302
    assert "HX-Request" in response.headers["Vary"]


def test_a_plain_post_of_one_answer_saves_it_and_goes_back_to_the_card(team_client, inspection):
    item = inspection.template.sections[0].items[0]
    response = team_client.post(f"/inspections/{inspection.id}/answers/{item.id}",
                                data={f"a{item.id}-result": "fail", f"a{item.id}-version": "0"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/inspections/{inspection.id}/checklist#item-{item.id}")
    assert db.session.scalar(sa.select(Answer.result).where(Answer.item_id == item.id)) == "fail"


def test_who_may_autosave(app, client_as, team_client, lead, inspection):
    """The team while the field work is in progress; others get what they get everywhere: 404 for an
    inspection they may not see, 403 for one they may see but not answer."""
    item = inspection.template.sections[0].items[0]
    assert autosave(team_client, inspection, item, result="pass").status_code == 200
    assert autosave(client_as("inspector"), inspection, item, save="s2", result="fail").status_code == 404
    assert autosave(client_as("leader"), inspection, item, save="s3", result="fail").status_code == 403
    other_item = make_template(status=TemplateStatus.PUBLISHED).sections[0].items[0]
    assert autosave(team_client, inspection, other_item, result="pass").status_code == 404
    lead.role = Role.UNIT_HEAD  # still listed in the team
    db.session.commit()
    assert autosave(team_client, inspection, item, version=1, save="s4", result="fail").status_code == 404
    lead.role = Role.INSPECTOR
    inspection.status = InspectionStatus.REVIEWING
    db.session.commit()
    assert autosave(team_client, inspection, item, version=1, save="s5", result="fail").status_code == 403
    assert db.session.scalar(sa.select(Answer.result).where(Answer.item_id == item.id)) == "pass"


def test_conflict_answers_409_with_the_card_and_both_values(team_client, inspection):
    item = inspection.template.sections[0].items[0]
    autosave(team_client, inspection, item, result="fail", note="Theo tổ trưởng")
    response = autosave(team_client, inspection, item, version=0, save="s2", result="pass")
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and response.headers["HX-Retarget"] == f"#item-{item.id}"
    assert "Không đạt" in body  # theirs
    assert f'name="a{item.id}-result" value="pass" form' in body and "checked" in body.split('value="pass"')[1][:60]
    assert db.session.scalar(sa.select(Answer.result)) == "fail"


def test_invalid_value_answers_422_and_keeps_it(team_client, inspection):
    from app.models import AnswerType, ChecklistItem

    section = inspection.template.sections[0]
    number = ChecklistItem(position=9, question="Số người vắng", answer_type=AnswerType.NUMBER)
    section.items.append(number)
    db.session.commit()
    response = autosave(team_client, inspection, number, value="hai")
    assert response.status_code == 422
    assert 'value="hai"' in response.get_data(as_text=True)


def test_retry_of_an_applied_save_is_not_applied_twice(team_client, inspection):
    item = inspection.template.sections[0].items[0]
    autosave(team_client, inspection, item, result="pass", save="tablet-1")
    response = autosave(team_client, inspection, item, result="pass", save="tablet-1")  # the ack was lost
    assert response.status_code == 200
    assert db.session.scalar(sa.select(Answer.row_version)) == 1


def test_section_form_saves_changed_items_without_javascript(team_client, inspection):
    section = inspection.template.sections[0]
    first, second, _third = section.items
    untouched = answers.fingerprint({})  # what the page puts in each card's "was" field
    response = team_client.post(f"/inspections/{inspection.id}/sections/{section.id}/answers", data={
        f"a{first.id}-result": "pass", f"a{first.id}-version": "0", f"a{first.id}-was": untouched,
        f"a{second.id}-result": "fail", f"a{second.id}-note": "Thiếu sổ theo dõi", f"a{second.id}-version": "0",
        f"a{second.id}-was": untouched, f"a{_third.id}-version": "0", f"a{_third.id}-was": untouched,
    })
    assert response.status_code == 303 and f"#section-{section.id}" in response.location
    saved = {a.item_id: a for a in db.session.scalars(sa.select(Answer))}
    assert saved[first.id].result == "pass" and saved[second.id].note == "Thiếu sổ theo dõi"
    assert _third.id not in saved


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.UNIT_HEAD])
def test_outsiders_cannot_open_or_answer(app, inspection, role):
    client = login(app.test_client(), make_user(role))
    item = inspection.template.sections[0].items[0]
    assert client.get(f"/inspections/{inspection.id}/checklist").status_code == 404
    assert autosave(client, inspection, item, result="pass").status_code == 404


def test_leader_reads_but_does_not_answer(app, inspection):
    client = login(app.test_client(), make_user(Role.LEADER))
    page = client.get(f"/inspections/{inspection.id}/checklist").get_data(as_text=True)
    assert "Lưu phần này" not in page and "disabled" in page
    item = inspection.template.sections[0].items[0]
    assert autosave(client, inspection, item, result="pass").status_code == 403


def test_an_acknowledged_answer_survives_a_restart(app, team_client, inspection):
    item = inspection.template.sections[0].items[0]
    assert autosave(team_client, inspection, item, result="fail", note="Đã lưu").status_code == 200
    # A new process on the same database: nothing was held back in memory.
    restarted = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    with restarted.app_context():
        answer = db.session.scalar(sa.select(Answer).where(Answer.item_id == item.id))
        assert (answer.result, answer.note) == ("fail", "Đã lưu")
        db.session.remove()  # give the connection back before closing the pool: nothing left open
        db.engine.dispose()


def test_a_toggle_after_a_photo_first_is_not_a_conflict(team_client, inspection):
    from app.models import Answer as AnswerModel

    item = inspection.template.sections[0].items[0]
    db.session.add(AnswerModel(inspection_id=inspection.id, item_id=item.id))  # what a photo-first upload leaves
    db.session.commit()
    assert autosave(team_client, inspection, item, version=0, result="fail").status_code == 200


def test_lead_sends_for_review_only_when_every_item_is_done(team_client, inspection):
    first, second, third = inspection.template.sections[0].items
    autosave(team_client, inspection, first, result="pass", save="1")
    autosave(team_client, inspection, second, result="fail", save="2")
    page = team_client.post(f"/inspections/{inspection.id}/review", follow_redirects=True).get_data(as_text=True)
    assert "chưa xong" in page
    autosave(team_client, inspection, third, result="na", save="3")
    team_client.post(f"/inspections/{inspection.id}/review")
    db.session.refresh(inspection)
    assert inspection.status == InspectionStatus.REVIEWING
    page = team_client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    results = page.split('id="results"')[1]
    assert "2/3" not in results and "3/3" in results and "50%" in results
    assert "Câu hỏi 2" in results.split('id="failed-items"')[1]


def test_only_the_lead_sends_for_review(app, inspection):
    member = make_user()
    from app.models import InspectionMember, TeamRole

    inspection.members.append(InspectionMember(user_id=member.id, role=TeamRole.MEMBER))
    db.session.commit()
    assert login(app.test_client(), member).post(f"/inspections/{inspection.id}/review").status_code == 403


def test_section_form_never_clears_a_colleagues_newer_answer(app, team_client, inspection):
    """A loads the page; B answers item 1; A saves the section with item 1 untouched."""
    section = inspection.template.sections[0]
    first = section.items[0]
    page = team_client.get(f"/inspections/{inspection.id}/checklist").get_data(as_text=True)
    was = page.split(f'name="a{first.id}-was" value="')[1].split('"')[0]
    answers.save_answer(inspection.lead, inspection.id, first.id, {"result": "pass"}, 0, "colleague")
    response = team_client.post(f"/inspections/{inspection.id}/sections/{section.id}/answers", data={
        f"a{first.id}-version": "0", f"a{first.id}-was": was})
    assert response.status_code == 303
    assert db.session.scalar(sa.select(Answer.result)) == "pass"


def test_own_save_whose_answer_was_lost_is_not_a_conflict(team_client, inspection):
    item = inspection.template.sections[0].items[0]
    autosave(team_client, inspection, item, result="fail", save="s1")  # applied, but the tablet never heard
    data = {f"a{item.id}-result": "pass", f"a{item.id}-version": "0", f"a{item.id}-save": "s2",
            f"a{item.id}-base": "s1"}
    response = team_client.post(f"/inspections/{inspection.id}/answers/{item.id}", data=data, headers=HX)
    assert response.status_code == 200
    assert db.session.scalar(sa.select(Answer.result)) == "pass"


@pytest.mark.parametrize("url", ["/inspections/?year=-1", "/inspections/?year=99999", "/inspections/plan?year=0"])
def test_odd_years_do_not_crash(client_as, url):
    assert client_as("leader").get(url).status_code == 200
