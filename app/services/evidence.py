"""Evidence: photos and PDF files attached to an answer, a finding or a step of a finding's follow-up.

A file's type is read from its content, never from its name. Photos are re-encoded before they are
kept: orientation fixed, every bit of metadata (EXIF, GPS, XMP, comments) dropped, long side capped,
plus a small thumbnail. Files are kept in the app's store (app/storage.py: a folder or a bucket) by the
SHA-256 of the stored bytes, so the same content is kept once however often it is attached; they are
served only through a checked route (app/files.py). A file is stored before its row is committed: a
failed commit leaves at most an unused file, which `flask storage gc` removes.
"""
import hashlib
import io
import struct
import warnings
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from app import storage
from app.extensions import db
from app.models import Answer, Attachment, ChecklistItem, Inspection, User
from app.models.base import utcnow
from app.services import audit
from app.services.errors import NotPermitted, ValidationFailed
from app.services.permissions import can_answer

MB = 1024 * 1024
# The most pixels a source photo may have, checked from its header before anything is decoded: a
# phone's 50-megapixel photo is the largest we need, far below Pillow's own bomb limit (89 million).
THUMBNAIL_PIXELS = 320
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80
# Formats a phone or a scanner gives us. MPO is how Pillow names many camera JPEGs (JPEG plus a
# preview picture); HEIF needs the pillow-heif plugin and is accepted only when it is installed.
IMAGE_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "HEIF", "AVIF")
PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class StoredFile:
    """A file checked and ready to keep: its stored bytes, thumbnail (images only) and facts."""

    original_name: str
    data: bytes
    mime_type: str
    sha256: str
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None


# --- the stored files ----------------------------------------------------------------------------

def unused_files(grace: timedelta) -> list[storage.StoredObject]:
    """Stored files no attachment names, older than `grace`: left by an upload whose commit failed. An
    upload stores its file before its row commits, so a younger file may still be on its way."""
    used = set(db.session.scalars(sa.select(Attachment.sha256).distinct()))
    cutoff = utcnow() - grace
    return [item for item in storage.current().objects()
            if _sha_of(item.key) not in used and item.modified < cutoff]


def _sha_of(key: str) -> str:
    return key.rsplit("/", 1)[-1].removesuffix(".jpg")


def read_file(sha: str, thumbnail: bool = False) -> bytes | None:
    """A stored file's bytes (or its thumbnail's), None when it is missing."""
    try:
        return storage.current().read(storage.evidence_key(sha, thumbnail))
    except FileNotFoundError:
        return None


# --- reading uploads -----------------------------------------------------------------------------

def read_uploads(uploads) -> list[tuple[str, bytes]]:
    """The chosen files of a form (Werkzeug FileStorage objects) as (name, bytes), each read to one
    byte past EVIDENCE_MAX_BYTES: enough to refuse a larger file without holding all of it."""
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    return [(upload.filename, upload.stream.read(limit + 1)) for upload in uploads if upload and upload.filename]


# --- checking and re-encoding --------------------------------------------------------------------

def _clean_name(filename: str, default: str) -> str:
    """The file's own name only (a browser may send a whole Windows path), at most 255 characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return (name or default)[-255:]


def _not_a_photo() -> ValidationFailed:
    return ValidationFailed("file", _("This file is not a photo or a PDF."))


def _open_image(data: bytes) -> Image.Image:
    """Open a photo in an accepted format, fully decoded; refuse anything else or a decompression bomb."""
    Image.init()  # register every plugin, so the optional HEIF/AVIF openers are known
    formats = [name for name in IMAGE_FORMATS if name in Image.OPEN]
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; we refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=formats) as probe:  # reads the header only
                _check_pixels(*probe.size)
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=formats)
            limit = current_app.config["EVIDENCE_MAX_PIXELS"]
            # JPEG decodes straight at 1/2, 1/4 or 1/8 scale when the capped photo needs no more:
            # the size asked for is the one the long side's cap gives (draft keeps at least that).
            scale = min(1, limit / max(image.size))
            image.draft("RGB", (round(image.width * scale), round(image.height * scale)))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, UnidentifiedImageError,
            OSError, SyntaxError, ValueError, EOFError, struct.error):
        raise _not_a_photo() from None
    return image


def _check_pixels(width: int, height: int) -> None:
    most = current_app.config["EVIDENCE_MAX_SOURCE_PIXELS"]
    if width * height > most:
        raise ValidationFailed("file", _("The photo has more than %(n)d megapixels. Send a smaller photo.",
                                         n=most // 1_000_000))


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for a JPEG: transparent parts become white, not black."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image, quality: int, icc_profile: bytes | None) -> bytes:
    buffer = io.BytesIO()
    image.info = {}  # no EXIF, GPS, XMP or comment rides along
    options = {"icc_profile": icc_profile} if icc_profile else {}
    image.save(buffer, "JPEG", quality=quality, optimize=True, **options)
    return buffer.getvalue()


def _reencode(data: bytes) -> tuple[bytes, bytes, int, int]:
    """The stored JPEG (upright, no metadata, long side capped), its thumbnail, width and height."""
    limit = current_app.config["EVIDENCE_MAX_PIXELS"]
    with _open_image(data) as source:
        try:
            # Keep the colour profile of an RGB photo (wide-gamut phones), not a CMYK one.
            icc = source.info.get("icc_profile") if source.mode in ("RGB", "RGBA") else None
            image = _flatten(ImageOps.exif_transpose(source))
            image.thumbnail((limit, limit), Image.Resampling.LANCZOS)
            thumbnail = image.copy()
            thumbnail.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS), Image.Resampling.LANCZOS)
            return _jpeg(image, JPEG_QUALITY, icc), _jpeg(thumbnail, THUMBNAIL_QUALITY, icc), *image.size
        except (OSError, ValueError, SyntaxError, EOFError):
            raise _not_a_photo() from None


def prepare_file(filename: str, data: bytes) -> StoredFile:
    """Check one uploaded file and make what will be stored; raises ValidationFailed("file", …)."""
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    if len(data) > limit:
        raise ValidationFailed("file", _("The file is larger than %(mb)d MB.", mb=max(1, round(limit / MB))))
    if data.startswith(PDF_MAGIC):
        return StoredFile(original_name=_clean_name(filename, "document.pdf"), data=data,
                          mime_type="application/pdf", sha256=hashlib.sha256(data).hexdigest())
    stored, thumbnail, width, height = _reencode(data)
    return StoredFile(original_name=_clean_name(filename, "photo.jpg"), data=stored, mime_type="image/jpeg",
                      sha256=hashlib.sha256(stored).hexdigest(), thumbnail=thumbnail, width=width, height=height)


# --- storing and removing ------------------------------------------------------------------------

def _answer_for(actor: User, inspection: Inspection, item: ChecklistItem) -> Answer:
    """The item's answer; an empty one is made so a photo can come before the result."""
    answer = db.session.scalar(sa.select(Answer).where(Answer.inspection_id == inspection.id,
                                                       Answer.item_id == item.id))
    if answer is None:
        answer = Answer(inspection_id=inspection.id, item_id=item.id, result=None, value=None, note="",
                        answered_by_id=actor.id, answered_at=utcnow())
        db.session.add(answer)
        db.session.flush()
    return answer


def _check_rights(actor: User, inspection: Inspection, item: ChecklistItem | None = None) -> None:
    if not can_answer(actor, inspection):
        raise NotPermitted(_("Only the team answers, while the inspection is in progress."))
    if item is not None and item.section.template_id != inspection.template_id:
        raise NotPermitted(_("This item is not part of the inspection's checklist."))


def store_evidence_files(actor: User, inspection: Inspection, item: ChecklistItem,
                         files: list[tuple[str, bytes]], upload_id: str | None = None) -> list[Attachment]:
    """Attach several files to an item's answer: all of them, or (on any refusal) none.

    `upload_id` is the tablet's id for this upload: a retry of an upload that was already attached (its
    answer got lost) attaches nothing more and returns what the first one attached."""
    _check_rights(actor, inspection, item)
    if not files:
        raise ValidationFailed("file", _("Choose a photo or a PDF file."))
    prepared = prepare_files(files)
    try:
        return _record(actor, inspection, item, prepared, upload_id)
    except sa.exc.IntegrityError:
        # Another upload made the item's (empty) answer, or a retry of this one attached the files, at
        # the same moment: attach to theirs.
        db.session.rollback()
        return _record(actor, inspection, item, prepared, upload_id)


def prepare_files(files: list[tuple[str, bytes]]) -> list[StoredFile]:
    """Check and re-encode several files and keep them in the store (by hash); all of them, or on any
    refusal (ValidationFailed naming the file) none. Nothing is added to the database."""
    prepared = []
    for filename, data in files:
        try:
            prepared.append(prepare_file(filename, data))
        except ValidationFailed as error:
            if len(files) > 1:  # say which one
                raise ValidationFailed("file", f"{_clean_name(filename, '?')}: {error.message}") from None
            raise
    store = storage.current()
    for stored in prepared:  # raises storage.StorageUnavailable when the store does not answer
        store.put(storage.evidence_key(stored.sha256), stored.data)
        if stored.thumbnail is not None:
            store.put(storage.evidence_key(stored.sha256, thumbnail=True), stored.thumbnail)
    return prepared


def attach_files(actor: User, prepared: list[StoredFile], **link) -> list[Attachment]:
    """Attachments for files made ready by prepare_files, linked by `link` (finding_id=… or
    finding_event_id=…), with their audit events; added to the caller's transaction, not committed."""
    attachments = []
    for stored in prepared:
        attachment = Attachment(sha256=stored.sha256, original_name=stored.original_name,
                                mime_type=stored.mime_type, size=len(stored.data), width=stored.width,
                                height=stored.height, uploaded_by_id=actor.id, uploaded_at=utcnow(), **link)
        db.session.add(attachment)
        db.session.flush()
        audit.record(actor, "attach", attachment, stored.original_name, {
            **{name: [None, value] for name, value in link.items()},
            "sha256": [None, stored.sha256], "mime_type": [None, stored.mime_type], "size": [None, len(stored.data)],
        })
        attachments.append(attachment)
    return attachments


def remove_attachment(actor: User, attachment: Attachment) -> None:
    """Remove an attachment the caller has checked may go; its file goes too unless still used."""
    sha = attachment.sha256
    audit.record(actor, "detach", attachment, attachment.original_name, {"sha256": [sha, None]})
    db.session.delete(attachment)
    db.session.commit()
    _forget_unused(sha)


def _forget_unused(sha: str) -> None:
    still_used = db.session.scalar(sa.select(sa.func.count(Attachment.id)).where(Attachment.sha256 == sha))
    if not still_used:
        store = storage.current()
        try:
            store.delete(storage.evidence_key(sha))
            store.delete(storage.evidence_key(sha, thumbnail=True))
        except storage.StorageUnavailable:  # the row is gone: `flask storage gc` removes the file later
            current_app.logger.warning("Unused file %s left in the store (it did not answer)", sha)


def _record(actor, inspection, item, prepared: list[StoredFile], upload_id: str | None) -> list[Attachment]:
    answer = _answer_for(actor, inspection, item)
    # A retried upload (the answer to the first one got lost) brings the same files: attach them once.
    # Files the answer already has are not attached twice either, whatever upload brought them.
    already = {a.sha256: a for a in db.session.scalars(sa.select(Attachment).where(Attachment.answer_id == answer.id))}
    if upload_id:
        retried = [a for a in already.values() if a.upload_id == upload_id]
        if retried:
            return retried
    attachments = []
    for stored in prepared:
        if stored.sha256 in already:
            attachments.append(already[stored.sha256])
            continue
        attachment = Attachment(answer_id=answer.id, sha256=stored.sha256, original_name=stored.original_name,
                                mime_type=stored.mime_type, size=len(stored.data), width=stored.width,
                                height=stored.height, uploaded_by_id=actor.id, uploaded_at=utcnow(),
                                upload_id=upload_id)
        db.session.add(attachment)
        db.session.flush()
        audit.record(actor, "attach", attachment, stored.original_name, {
            "answer_id": [None, answer.id], "item": [None, item.code or str(item.id)],
            "sha256": [None, stored.sha256], "mime_type": [None, stored.mime_type], "size": [None, len(stored.data)],
        })
        attachments.append(attachment)
    db.session.commit()
    return attachments


def store_evidence(actor: User, inspection: Inspection, item: ChecklistItem, filename: str,
                   data: bytes) -> Attachment:
    """Attach one photo or PDF to the item's answer (made empty if there is none yet)."""
    return store_evidence_files(actor, inspection, item, [(filename, data)])[0]


def delete_evidence(actor: User, attachment: Attachment) -> None:
    """Remove an attachment; its file goes too unless another attachment has the same content."""
    answer = attachment.answer
    if answer is None:
        raise NotPermitted(_("Only the team answers, while the inspection is in progress."))
    _check_rights(actor, answer.inspection)
    sha = attachment.sha256
    audit.record(actor, "detach", attachment, attachment.original_name, {
        "answer_id": [answer.id, None], "item": [answer.item.code or str(answer.item_id), None],
        "sha256": [sha, None],
    })
    db.session.delete(attachment)
    db.session.commit()
    _forget_unused(sha)
