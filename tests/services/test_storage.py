"""The evidence files' store, on a local folder and on a real S3 server (SeaweedFS): writing and reading,
rights, unused files, copying both ways, an outage, and the health check."""
import io

import pytest
import sqlalchemy as sa
from PIL import Image

from app import create_app, storage
from app.config import TestingConfig
from app.extensions import db
from app.models import Answer, Attachment, Role
from app.services import evidence
from tests.conftest import login
from tests.factories import make_answer, make_unit, make_user
from tests.images import png, stored_files, transparent_png
from tests.mail import free_port

pytestmark = pytest.mark.usefixtures("instance")


@pytest.fixture(params=["folder", "s3"])
def store(request, app):
    """Each test runs on the default folder and on a bucket; returns the bucket's name or None."""
    return request.getfixturevalue("s3_storage") if request.param == "s3" else None


def upload(client, inspection, item, name="ảnh.png", data=None):
    return client.post(f"/inspections/{inspection.id}/items/{item.id}/evidence",
                       data={"file": [(io.BytesIO(data or png()), name)]}, content_type="multipart/form-data")


def body_of(response) -> bytes:
    data = response.get_data()
    response.close()
    return data


def test_a_photo_goes_to_the_store_and_comes_back_to_the_team_only(request, client, app, store, lead, inspection,
                                                                    item, instance):
    login(client, lead)
    assert upload(client, inspection, item).status_code == 303
    attachment = db.session.scalar(sa.select(Attachment))
    keys = [storage.evidence_key(attachment.sha256), storage.evidence_key(attachment.sha256, thumbnail=True)]
    if store:  # in the bucket under its prefix, nothing on this server's disk
        assert request.getfixturevalue("seaweed").keys(store) == sorted(f"evidence/{key}" for key in keys)
        assert stored_files(instance) == []
    else:
        assert [p.relative_to(instance / "uploads").as_posix() for p in stored_files(instance)] == keys[:1]

    response = client.get(f"/inspections/evidence/{attachment.id}")
    photo = body_of(response)
    assert response.status_code == 200 and response.headers["Content-Length"] == str(attachment.size)
    with Image.open(io.BytesIO(photo)) as image:
        assert image.format == "JPEG"
    again = client.get(f"/inspections/evidence/{attachment.id}/thumb", headers={
        "If-None-Match": f'"{attachment.sha256}-t"'})
    assert again.status_code == 304 and body_of(again) == b""

    stranger = app.test_client()
    login(stranger, make_user(Role.UNIT_HEAD, unit=make_unit()))
    assert stranger.get(f"/inspections/evidence/{attachment.id}").status_code == 404


def test_a_removed_photo_leaves_the_store(lead, inspection, item, store):
    attachment = evidence.store_evidence(lead, inspection, item, "a.png", png())
    sha = attachment.sha256
    assert evidence.read_file(sha) is not None
    evidence.delete_evidence(lead, attachment)
    assert evidence.read_file(sha) is None and evidence.read_file(sha, thumbnail=True) is None


def test_gc_lists_files_no_row_names_and_removes_them_only_when_asked(runner, lead, inspection, item, store):
    kept = evidence.store_evidence(lead, inspection, item, "kept.png", png())
    (orphan,) = evidence.prepare_files([("lost.png", transparent_png())])  # its commit never came

    young = runner.invoke(args=["storage", "gc"])
    assert "0 unused files" in young.output  # an upload may be between its file and its row

    dry_run = runner.invoke(args=["storage", "gc", "--grace-hours", "0"])
    assert dry_run.exit_code == 0, dry_run.output
    assert "2 unused files" in dry_run.output and "nothing removed" in dry_run.output  # the photo and its thumbnail
    assert orphan.sha256 in dry_run.output and kept.sha256 not in dry_run.output
    assert evidence.read_file(orphan.sha256) is not None

    removed = runner.invoke(args=["storage", "gc", "--grace-hours", "0", "--delete"])
    assert "2 unused files" in removed.output and "removed." in removed.output
    assert evidence.read_file(orphan.sha256) is None and evidence.read_file(orphan.sha256, thumbnail=True) is None
    assert evidence.read_file(kept.sha256) is not None


def test_copy_to_a_bucket_and_back_checks_every_file_and_resumes(app, runner, lead, inspection, item, s3_storage,
                                                                 seaweed, instance):
    bucket_url = app.config["STORAGE_URL"]
    app.config["STORAGE_URL"] = ""  # files start in the folder
    first = evidence.store_evidence(lead, inspection, item, "a.png", png())
    second = evidence.store_evidence(lead, inspection, inspection.template.sections[0].items[1], "b.png",
                                     png(size=(40, 20)))

    result = runner.invoke(args=["storage", "copy", "--to", bucket_url])
    assert result.exit_code == 0, result.output
    assert "4 copied, 0 already there, 0 failed" in result.output  # two photos, two thumbnails
    again = runner.invoke(args=["storage", "copy", "--to", bucket_url])  # an interrupted run, resumed
    assert "0 copied, 4 already there" in again.output

    app.config["STORAGE_URL"] = bucket_url  # the app now reads the bucket
    assert evidence.read_file(first.sha256) == (instance / "uploads" / storage.evidence_key(first.sha256)).read_bytes()

    back = instance / "back"
    (back / storage.evidence_key(second.sha256)).parent.mkdir(parents=True)
    (back / storage.evidence_key(second.sha256)).write_bytes(b"half a file")  # left by an interrupted copy
    result = runner.invoke(args=["storage", "copy", "--to", str(back)])
    assert "4 copied, 0 already there, 0 failed" in result.output
    app.config["STORAGE_URL"] = str(back)
    assert evidence.read_file(second.sha256) == storage.current().read(storage.evidence_key(second.sha256))
    assert sorted(item.key for item in storage.current().objects()) == sorted(
        key for a in (first, second) for key in (storage.evidence_key(a.sha256),
                                                 storage.evidence_key(a.sha256, thumbnail=True)))


def test_a_file_whose_content_is_not_its_name_is_not_copied(app, runner, instance, s3_storage):
    bucket_url = app.config["STORAGE_URL"]
    app.config["STORAGE_URL"] = ""
    storage.current().put("ab/" + "ab" * 32, b"damaged on disk")
    result = runner.invoke(args=["storage", "copy", "--to", bucket_url])
    assert result.exit_code == 1 and "0 copied, 0 already there, 1 failed" in result.output


def test_a_store_outage_keeps_the_saved_answer_and_tells_the_user(client, app, lead, inspection, item):
    app.config.update(STORAGE_URL="s3://kiemtra-down/evidence", S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}")
    make_answer(inspection, item, result="fail", note="Chưa niêm yết thủ tục")
    login(client, lead)

    response = upload(client, inspection, item)
    page = response.get_data(as_text=True)
    assert response.status_code == 503  # the tablet's outbox keeps the photo and sends it again later
    assert "Kho lưu trữ tệp đang không trả lời" in page and "vẫn còn nguyên" in page
    assert db.session.scalar(sa.select(Answer.note)) == "Chưa niêm yết thủ tục"
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0

    health = client.get("/healthz")
    assert (health.status_code, health.get_data(as_text=True)) == (503, "unavailable: storage")


def test_health_answers_without_login_and_shows_no_data(app, store):
    response = app.test_client().get("/healthz")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "ok")
    assert response.headers["Cache-Control"] == "no-store"


def test_health_names_the_database_when_it_does_not_answer(tmp_path):
    nobody = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/kiemtra"  # nothing listens there
    down = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=nobody, STORAGE_URL=str(tmp_path))
    response = down.test_client().get("/healthz")
    assert (response.status_code, response.get_data(as_text=True)) == (503, "unavailable: database")
