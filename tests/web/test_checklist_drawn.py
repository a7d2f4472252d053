"""The checklist page is drawn once per state of its answers (app/inspections/drawn.py): whatever
changes the answers shows at once, and nothing of one session or role leaks into another's page."""
import io
import re

import pytest

from app.models import InspectionMember, Role, TeamRole
from app.extensions import db
from tests.conftest import HX, login
from tests.factories import PASSWORD, make_user
from tests.images import png

pytestmark = pytest.mark.usefixtures("instance")


def checklist(client, inspection) -> str:
    return client.get(f"/inspections/{inspection.id}/checklist").get_data(as_text=True)


def autosave(client, inspection, item, version, save, **values):
    data = {f"a{item.id}-{name}": value for name, value in values.items()}
    data |= {f"a{item.id}-version": str(version), f"a{item.id}-save": save}
    return client.post(f"/inspections/{inspection.id}/answers/{item.id}", data=data, headers=HX)


def checked_result(page, item) -> str | None:
    match = re.search(rf'name="a{item.id}-result" value="(\w+)" form="[^"]+" checked', page)
    return match and match.group(1)


def test_every_save_shows_on_the_next_page(client, lead, inspection, item):
    login(client, lead)
    assert checked_result(checklist(client, inspection), item) is None
    autosave(client, inspection, item, 0, "s1", result="fail")
    assert checked_result(checklist(client, inspection), item) == "fail"
    autosave(client, inspection, item, 1, "s2", result="pass")
    page = checklist(client, inspection)
    assert checked_result(page, item) == "pass" and f'name="a{item.id}-version" value="2"' in page
    assert "1 / 3" in page or "1/3" in page  # the progress panel is drawn with the cards


def test_a_colleagues_save_shows_on_my_page(app, client, lead, inspection, item):
    colleague = make_user(Role.INSPECTOR)
    db.session.add(InspectionMember(inspection_id=inspection.id, user_id=colleague.id, role=TeamRole.MEMBER))
    db.session.commit()
    mine = login(client, lead)
    assert checked_result(checklist(mine, inspection), item) is None
    autosave(login(app.test_client(), colleague), inspection, item, 0, "c1", result="fail", note="Thiếu sổ")
    page = checklist(mine, inspection)
    assert checked_result(page, item) == "fail" and "Thiếu sổ" in page


def test_evidence_added_and_removed_shows_on_the_page(client, lead, inspection, item):
    login(client, lead)
    checklist(client, inspection)
    client.post(f"/inspections/{inspection.id}/items/{item.id}/evidence",
                data={"file": [(io.BytesIO(png()), "so-theo-doi.png")]}, content_type="multipart/form-data")
    page = checklist(client, inspection)
    [attachment_id] = re.findall(r"/inspections/evidence/(\d+)/thumb", page)
    client.post(f"/inspections/evidence/{attachment_id}/delete")
    assert "/thumb" not in checklist(client, inspection)


def test_each_session_gets_its_own_csrf_token(app, lead, inspection, item):
    """The drawing is shared; the token in its forms is the session's own, so the plain form still saves."""
    app.config["WTF_CSRF_ENABLED"] = True
    colleague = make_user(Role.INSPECTOR)
    db.session.add(InspectionMember(inspection_id=inspection.id, user_id=colleague.id, role=TeamRole.MEMBER))
    db.session.commit()
    tokens = []
    for user in (lead, colleague):
        client = app.test_client()
        login_page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        client.post("/auth/login", data={"username": user.username, "password": PASSWORD,
                                         "csrf_token": token})
        page = checklist(client, inspection)
        page_tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', page))
        assert len(page_tokens) == 1 and "csrf-" not in page  # no slot left unfilled
        [token] = page_tokens
        tokens.append(token)
        section = item.section_id
        response = client.post(f"/inspections/{inspection.id}/sections/{section}/answers",
                               data={"csrf_token": token, f"a{item.id}-result": "na", f"a{item.id}-version": "0",
                                     f"a{item.id}-was": "", f"a{item.id}-save": f"{user.username}-1"})
        assert response.status_code in (303, 409)  # saved, or the colleague's answer came first
    assert tokens[0] != tokens[1]


def test_a_leader_never_gets_the_teams_drawing(app, client, lead, inspection):
    page = checklist(login(client, lead), inspection)
    assert "Lưu phần này" in page
    leader_page = checklist(login(app.test_client(), make_user(Role.LEADER)), inspection)
    assert "Lưu phần này" not in leader_page and "disabled" in leader_page


def test_the_language_is_part_of_the_drawing(client, lead, inspection):
    login(client, lead)
    assert "Lưu phần này" in checklist(client, inspection)
    client.post("/auth/locale", data={"locale": "en", "next": "/"})
    assert "Save this section" in checklist(client, inspection)
