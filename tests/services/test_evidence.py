"""Evidence files: type read from the content, photos re-encoded without metadata, stored once by hash."""
import io

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from PIL import ExifTags, Image

from app.extensions import db
from app.models import Answer, Attachment, AuditEvent, InspectionStatus, Role
from app.services import evidence
from app.services.errors import NotPermitted, ValidationFailed
from tests.factories import make_inspection, make_user
from tests.images import jpeg_with_orientation_and_gps, png, stored_files, thumbnails, transparent_png

pytestmark = pytest.mark.usefixtures("instance")


def test_photo_is_turned_upright_and_loses_exif_and_gps(lead, inspection, item):
    original = Image.open(io.BytesIO(jpeg_with_orientation_and_gps()))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo does carry GPS

    attachment = evidence.store_evidence(lead, inspection, item, "C:\\Ảnh\\IMG_0001.JPG",
                                         jpeg_with_orientation_and_gps())

    assert (attachment.mime_type, attachment.width, attachment.height) == ("image/jpeg", 20, 40)
    assert attachment.original_name == "IMG_0001.JPG"
    stored = evidence.read_file(attachment.sha256)
    assert attachment.size == len(stored)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (20, 40)
        assert not image.getexif() and "exif" not in image.info
        # Rotated 90° clockwise: the photo's left half (red) is now on top.
        top, bottom = image.convert("RGB").getpixel((10, 5)), image.convert("RGB").getpixel((10, 35))
        assert top[0] > 200 and top[2] < 60 and bottom[2] > 200 and bottom[0] < 60
    with Image.open(io.BytesIO(evidence.read_file(attachment.sha256, thumbnail=True))) as thumbnail:
        assert thumbnail.format == "JPEG" and thumbnail.size == (20, 40) and not thumbnail.getexif()


def test_photo_before_the_result_makes_an_empty_answer(lead, inspection, item):
    attachment = evidence.store_evidence(lead, inspection, item, "a.png", png())
    answer = db.session.scalar(sa.select(Answer))
    assert attachment.answer_id == answer.id and answer.item_id == item.id
    assert (answer.result, answer.value, answer.answered_by_id) == (None, None, lead.id)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "attach"))
    assert event.entity_id == attachment.id and event.summary == "a.png"


def test_transparent_png_is_stored_as_jpeg_on_white(lead, inspection, item):
    attachment = evidence.store_evidence(lead, inspection, item, "screen.png", transparent_png())
    assert attachment.mime_type == "image/jpeg"
    with Image.open(io.BytesIO(evidence.read_file(attachment.sha256))) as image:
        assert image.format == "JPEG" and image.mode == "RGB"
        assert min(image.getpixel((2, 2))) > 240  # was transparent
        assert image.getpixel((15, 15))[0] > 150


def test_long_side_is_capped(app, lead, inspection, item):
    app.config["EVIDENCE_MAX_PIXELS"] = 50
    attachment = evidence.store_evidence(lead, inspection, item, "wide.png", png(size=(200, 100)))
    assert (attachment.width, attachment.height) == (50, 25)


def test_pdf_is_kept_as_sent(lead, inspection, item, instance):
    data = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    attachment = evidence.store_evidence(lead, inspection, item, "bien-ban.pdf", data)
    assert (attachment.mime_type, attachment.width, attachment.size) == ("application/pdf", None, len(data))
    assert evidence.read_file(attachment.sha256) == data
    assert thumbnails(instance) == []


@pytest.mark.parametrize("name, data", [
    ("photo.jpg", b"This is only text, whatever its name says.\n"),
    ("photo.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
    ("broken.png", png()[:40]),
])
def test_a_file_that_is_not_a_photo_or_pdf_is_refused(lead, inspection, item, instance, name, data):
    with force_locale("en"), pytest.raises(ValidationFailed) as refused:
        evidence.store_evidence(lead, inspection, item, name, data)
    assert refused.value.field == "file" and refused.value.message == "This file is not a photo or a PDF."
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 0
    assert stored_files(instance) == []


def test_oversized_file_is_refused(app, lead, inspection, item, instance):
    app.config["EVIDENCE_MAX_BYTES"] = 100
    with force_locale("en"), pytest.raises(ValidationFailed) as refused:
        evidence.store_evidence(lead, inspection, item, "big.jpg", jpeg_with_orientation_and_gps())
    assert refused.value.message == "The file is larger than 1 MB."
    assert stored_files(instance) == []


@pytest.mark.parametrize("size", [(40, 40), (100, 100)])  # above the limit (a warning), above twice it (an error)
def test_decompression_bomb_is_refused(lead, inspection, item, instance, monkeypatch, size):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with force_locale("en"), pytest.raises(ValidationFailed, match="not a photo"):
        evidence.store_evidence(lead, inspection, item, "bomb.png", png(size=size))
    assert stored_files(instance) == []


def test_same_photo_for_two_items_is_stored_once(lead, inspection, item, instance):
    photo = jpeg_with_orientation_and_gps()
    other_item = inspection.template.sections[0].items[1]
    first = evidence.store_evidence(lead, inspection, item, "a.jpg", photo)
    second = evidence.store_evidence(lead, inspection, other_item, "b.jpg", photo)
    assert first.id != second.id and first.sha256 == second.sha256
    assert len(stored_files(instance)) == 1 and len(thumbnails(instance)) == 1


def test_retried_upload_attaches_the_photo_once(lead, inspection, item, instance):
    photo = jpeg_with_orientation_and_gps()
    first = evidence.store_evidence(lead, inspection, item, "a.jpg", photo)
    again = evidence.store_evidence(lead, inspection, item, "a.jpg", photo)  # the first answer got lost
    assert again.id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 1


def test_batch_is_all_or_nothing(lead, inspection, item, instance):
    with force_locale("en"), pytest.raises(ValidationFailed) as refused:
        evidence.store_evidence_files(lead, inspection, item, [("good.png", png()), ("notes.jpg", b"text")])
    assert refused.value.message == "notes.jpg: This file is not a photo or a PDF."
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0
    assert stored_files(instance) == []


def test_delete_keeps_a_file_still_used_and_removes_the_last(lead, inspection, item, instance):
    photo = png()
    first = evidence.store_evidence(lead, inspection, item, "a.png", photo)
    second = evidence.store_evidence(lead, inspection, inspection.template.sections[0].items[1], "b.png", photo)
    sha = first.sha256

    evidence.delete_evidence(lead, first)
    assert evidence.read_file(sha) is not None and evidence.read_file(sha, thumbnail=True) is not None
    evidence.delete_evidence(lead, second)
    assert evidence.read_file(sha) is None and evidence.read_file(sha, thumbnail=True) is None
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "detach")) == 2


def test_only_the_team_attaches(inspection, item):
    with pytest.raises(NotPermitted):
        evidence.store_evidence(make_user(Role.INSPECTOR), inspection, item, "a.png", png())
    with pytest.raises(NotPermitted):
        evidence.store_evidence(make_user(Role.LEADER), inspection, item, "a.png", png())


@pytest.mark.parametrize("status", [InspectionStatus.SCHEDULED, InspectionStatus.REVIEWING])
def test_nothing_is_attached_or_removed_outside_field_work(lead, inspection, item, status):
    attachment = evidence.store_evidence(lead, inspection, item, "a.png", png())
    inspection.status = status
    db.session.commit()
    with pytest.raises(NotPermitted):
        evidence.store_evidence(lead, inspection, item, "b.png", png())
    with pytest.raises(NotPermitted):
        evidence.delete_evidence(lead, attachment)


def test_item_of_another_checklist_is_refused(lead, inspection):
    other_item = make_inspection(status=InspectionStatus.IN_PROGRESS, lead=lead).template.sections[0].items[0]
    with pytest.raises(NotPermitted):
        evidence.store_evidence(lead, inspection, other_item, "a.png", png())


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height, with one tiny compressed row: a bomb's shape."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("size", [(9400, 9400), (8200, 6200)])  # 88 and 51 megapixels: below Pillow's bomb limit
def test_photos_above_50_megapixels_are_refused_before_decoding(lead, inspection, item, instance, size):
    import time

    started = time.perf_counter()
    with force_locale("en"), pytest.raises(ValidationFailed) as refused:
        evidence.store_evidence(lead, inspection, item, "huge.png", png_header_only(*size))
    assert refused.value.message == "The photo has more than 50 megapixels. Send a smaller photo."
    assert time.perf_counter() - started < 0.5  # decoding 88 megapixels took seconds and a gigabyte
    assert stored_files(instance) == []


def test_large_jpeg_decodes_at_a_reduced_scale(app):
    """draft() lets the JPEG decoder scale by 1/2, 1/4 or 1/8 while decoding: a quarter of the memory."""
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), "green").save(buffer, "JPEG")
    with app.test_request_context(), evidence._open_image(buffer.getvalue()) as image:
        assert image.size == (2000, 1500)
