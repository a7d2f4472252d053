"""Evidence files on the web: reading the posted ones, and sending a stored one once its route has
checked that the user may read it."""
from pathlib import Path

from flask import abort, request, send_file

from app.models import Attachment
from app.security import private_file
from app.services import evidence


def posted_files(field: str) -> list[tuple[str, bytes]]:
    return evidence.read_uploads(request.files.getlist(field))


def stored_name(attachment: Attachment) -> str:
    name = attachment.original_name
    if attachment.is_image:  # the stored file is a JPEG whatever the photo was sent as
        name = f"{Path(name).stem or 'photo'}.jpg"
    return name


def send_attachment(attachment: Attachment, thumbnail: bool = False):
    if thumbnail and not attachment.is_image:
        abort(404)
    path = evidence.evidence_path(attachment, thumbnail)
    if not path.is_file():
        abort(404)
    # A PDF downloads rather than opening in our origin (a viewer blocks a sandboxed PDF anyway).
    response = send_file(path, mimetype="image/jpeg" if thumbnail else attachment.mime_type,
                         download_name=stored_name(attachment), as_attachment=not attachment.is_image,
                         etag=f"{attachment.sha256}{'-t' if thumbnail else ''}", conditional=True)
    return private_file(response)
