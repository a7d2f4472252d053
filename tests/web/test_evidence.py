"""Evidence routes: upload (htmx fragment or redirect), serving only to those who open the checklist."""
import io

import pytest
import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.models import Attachment, InspectionMember, InspectionStatus, Role, TeamRole
from tests.conftest import HX, login
from tests.factories import make_inspection, make_unit, make_user
from tests.images import jpeg_with_orientation_and_gps, png, stored_files
from tests.threads import in_threads

pytestmark = pytest.mark.usefixtures("instance")


def upload_url(inspection, item):
    return f"/inspections/{inspection.id}/items/{item.id}/evidence"


def upload(client, inspection, item, *files, headers=None):
    data = {"file": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(upload_url(inspection, item), data=data, content_type="multipart/form-data",
                       headers=headers or {})


def status_of(client, url) -> int:
    """GET a file and close it (an open file left behind is an error under filterwarnings=error)."""
    response = client.get(url)
    response.close()
    return response.status_code


def attachments():
    return db.session.scalars(sa.select(Attachment).order_by(Attachment.id)).all()


def test_member_uploads_and_is_sent_back_to_the_item(client, lead, inspection, item):
    login(client, lead)
    response = upload(client, inspection, item, ("IMG_0001.jpg", jpeg_with_orientation_and_gps()))
    assert response.status_code == 303
    assert response.location.endswith(f"/inspections/{inspection.id}/checklist#item-{item.id}")
    [attachment] = attachments()
    assert (attachment.width, attachment.height) == (20, 40)


def test_htmx_upload_returns_the_fragment(client, lead, inspection, item):
    login(client, lead)
    response = upload(client, inspection, item, ("a.png", png()), ("b.pdf", b"%PDF-1.7\n%%EOF\n"), headers=HX)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" not in page and f'id="evidence-{item.id}"' in page
    image, pdf = attachments()
    assert f"/inspections/evidence/{image.id}/thumb" in page
    assert f'href="/inspections/evidence/{pdf.id}"' in page and "b.pdf" in page
    assert "HX-Request" in response.headers["Vary"]
    # The upload made the answer: its save state (new row version) comes out of band, the progress follows.
    assert f'id="state-{item.id}"' in page and 'hx-swap-oob="true"' in page
    assert response.headers["HX-Trigger"] == "answerSaved"


def test_not_a_photo_is_refused_and_nothing_is_kept(client, lead, inspection, item, instance):
    login(client, lead)
    response = upload(client, inspection, item, ("photo.jpg", b"just text"), headers=HX)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="evidence-{item.id}"' in page and 'role="alert"' in page
    assert attachments() == [] and stored_files(instance) == []
    plain = upload(client, inspection, item, ("a.png", png()), ("photo.jpg", b"just text"))
    assert plain.status_code == 422 and "photo.jpg" in plain.get_data(as_text=True)
    assert attachments() == [] and stored_files(instance) == []


def test_oversized_file_is_refused(app, client, lead, inspection, item):
    app.config["EVIDENCE_MAX_BYTES"] = 200
    login(client, lead)
    response = upload(client, inspection, item, ("big.jpg", jpeg_with_orientation_and_gps()), headers=HX)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "1 MB" in page
    assert attachments() == []


def test_no_file_chosen_is_refused(client, lead, inspection, item):
    login(client, lead)
    response = client.post(upload_url(inspection, item), data={}, headers=HX)
    assert response.status_code == 422 and attachments() == []


def test_same_photo_twice_is_one_file(client, lead, inspection, item, instance):
    login(client, lead)
    photo = png()
    upload(client, inspection, item, ("a.png", photo))
    upload(client, inspection, inspection.template.sections[0].items[1], ("b.png", photo))
    upload(client, inspection, item, ("a.png", photo))  # a retry: attached once
    assert len(attachments()) == 2 and len(stored_files(instance)) == 1


def test_a_retried_upload_attaches_once_by_its_upload_id(client, lead, inspection, item):
    """The tablet's outbox resends an upload whose answer got lost; it may have shrunk the photo anew."""
    login(client, lead)
    url = upload_url(inspection, item)
    for color in ("green", "green", "red"):  # the third: other bytes, same upload
        data = {"file": [(io.BytesIO(png(color=color)), "a.png")], "upload_id": "outbox-1"}
        assert client.post(url, data=data, content_type="multipart/form-data", headers=HX).status_code == 200
    data = {"file": [(io.BytesIO(png(color="blue")), "b.png")], "upload_id": "outbox-2"}
    response = client.post(url, data=data, content_type="multipart/form-data", headers=HX)
    assert [a.upload_id for a in attachments()] == ["outbox-1", "outbox-2"]
    assert response.get_data(as_text=True).count("<img") == 2


def test_two_retries_at_once_attach_once(app, lead, inspection, item):
    def send(_n):
        client = app.test_client()
        login(client, lead)
        data = {"file": [(io.BytesIO(png()), "a.png")], "upload_id": "outbox-1"}
        return client.post(upload_url(inspection, item), data=data, content_type="multipart/form-data",
                           headers=HX).status_code

    assert in_threads(app, 2, send) == [200, 200]
    assert len(attachments()) == 1


def test_served_to_the_team_and_leaders_only(app, client, lead, inspection, item):
    login(client, lead)
    upload(client, inspection, item, ("a.jpg", jpeg_with_orientation_and_gps()))
    [attachment] = attachments()
    url = f"/inspections/evidence/{attachment.id}"

    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "no-store"
    assert Image.open(io.BytesIO(response.data)).size == (20, 40)
    response.close()
    thumb = client.get(url + "/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    thumb.close()

    leader = login(app.test_client(), make_user(Role.LEADER))
    assert status_of(leader, url) == 200
    other = login(app.test_client(), make_user(Role.INSPECTOR))
    assert status_of(other, url) == 404 and status_of(other, url + "/thumb") == 404


def test_unit_head_never_gets_a_file_even_after_the_minutes(app, client, lead, item):
    unit = make_unit()
    inspection = make_inspection(status=InspectionStatus.IN_PROGRESS, lead=lead, unit=unit)
    item = inspection.template.sections[0].items[0]
    login(client, lead)
    upload(client, inspection, item, ("a.png", png()))
    [attachment] = attachments()
    head = login(app.test_client(), make_user(Role.UNIT_HEAD, unit=unit))
    assert status_of(head, f"/inspections/evidence/{attachment.id}") == 404
    inspection.status = InspectionStatus.MINUTES_SIGNED  # the unit head now sees the inspection, not its checklist
    db.session.commit()
    assert head.get(f"/inspections/{inspection.id}").status_code == 200
    assert status_of(head, f"/inspections/evidence/{attachment.id}") == 404


def test_anonymous_is_sent_to_login(client, lead, inspection, item):
    login(client, lead)
    upload(client, inspection, item, ("a.png", png()))
    [attachment] = attachments()
    client.post("/auth/logout")
    response = client.get(f"/inspections/evidence/{attachment.id}")
    assert response.status_code in (302, 303) and "/auth/login" in response.location


def test_pdf_has_no_thumbnail(client, lead, inspection, item):
    login(client, lead)
    upload(client, inspection, item, ("a.pdf", b"%PDF-1.4\n%%EOF\n"))
    [attachment] = attachments()
    response = client.get(f"/inspections/evidence/{attachment.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    response.close()
    assert status_of(client, f"/inspections/evidence/{attachment.id}/thumb") == 404


def test_upload_refused_to_outsiders(app, inspection, item):
    outsider = login(app.test_client(), make_user(Role.INSPECTOR))
    assert upload(outsider, inspection, item, ("a.png", png())).status_code == 404
    leader = login(app.test_client(), make_user(Role.LEADER))  # sees the checklist, is not in the team
    assert upload(leader, inspection, item, ("a.png", png())).status_code == 403
    assert attachments() == []


def test_upload_refused_when_not_in_progress(client, lead):
    inspection = make_inspection(status=InspectionStatus.SCHEDULED, lead=lead)
    item = inspection.template.sections[0].items[0]
    login(client, lead)
    assert upload(client, inspection, item, ("a.png", png())).status_code == 403
    assert attachments() == []


def test_item_of_another_checklist_is_404(client, lead, inspection):
    other_item = make_inspection(lead=lead).template.sections[0].items[0]
    login(client, lead)
    assert upload(client, inspection, other_item, ("a.png", png())).status_code == 404


def test_delete_with_htmx_and_without(client, lead, inspection, item, instance):
    login(client, lead)
    upload(client, inspection, item, ("a.png", png()), ("b.png", png(color="red")))
    first, second = attachments()

    response = client.post(f"/inspections/evidence/{first.id}/delete", headers=HX)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" not in page and f'id="evidence-{item.id}"' in page
    assert f"/inspections/evidence/{first.id}/" not in page and f"/inspections/evidence/{second.id}/" in page

    response = client.post(f"/inspections/evidence/{second.id}/delete")
    assert response.status_code == 303 and response.location.endswith(f"#item-{item.id}")
    assert attachments() == [] and stored_files(instance) == []


def test_delete_refused_to_others(app, client, lead, inspection, item):
    login(client, lead)
    upload(client, inspection, item, ("a.png", png()))
    [attachment] = attachments()
    other = login(app.test_client(), make_user(Role.INSPECTOR))
    assert other.post(f"/inspections/evidence/{attachment.id}/delete").status_code == 404
    leader = login(app.test_client(), make_user(Role.LEADER))
    assert leader.post(f"/inspections/evidence/{attachment.id}/delete").status_code == 403
    assert len(attachments()) == 1


def test_fragment_offers_camera_upload_to_the_team(client, lead, inspection, item):
    login(client, lead)
    page = upload(client, inspection, item, ("a.png", png()), headers=HX).get_data(as_text=True)
    assert 'accept="image/*,application/pdf"' in page and 'capture="environment"' in page
    assert 'hx-encoding="multipart/form-data"' in page and 'enctype="multipart/form-data"' in page
    assert f'hx-target="#evidence-{item.id}"' in page


def test_uploads_are_limited_per_user_with_a_retry_after(app, client, lead, inspection, item):
    app.config["UPLOAD_RATE_LIMIT"] = "2 per minute"
    login(client, lead)
    for _ in range(2):
        assert upload(client, inspection, item, ("a.png", png()), headers=HX).status_code == 200
    response = upload(client, inspection, item, ("a.png", png()), headers=HX)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60  # the tablet's outbox waits this long, then replays
    assert "Quá nhiều lần thử. Vui lòng thử lại sau 1 phút." in response.get_data(as_text=True)
    # Another user's allowance is their own.
    other = make_user(Role.INSPECTOR)
    inspection.members.append(InspectionMember(user_id=other.id, role=TeamRole.MEMBER))
    db.session.commit()
    assert upload(login(app.test_client(), other), inspection, item, ("b.png", png()), headers=HX).status_code == 200
