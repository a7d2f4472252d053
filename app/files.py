"""Evidence files on the web: reading the posted ones, and sending a stored one once its route has
checked that the user may read it.

Files are streamed through the app from its store (a folder or a bucket), never handed out as a bucket's
address: every read passes the route's rights check, the bucket stays private, and pages, the service
worker's cache and the Content-Security-Policy see one origin."""
import io
from pathlib import Path

from flask import abort, request, send_file

from app import storage
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


def send_stored(sha: str, *, thumbnail: bool = False, mimetype: str, download_name: str | None = None,
                as_attachment: bool = False):
    """A stored file (or its thumbnail) as a private response; 304 when the browser has it already."""
    etag = f"{sha}{'-t' if thumbnail else ''}"  # content named by its hash never changes
    if request.if_none_match.contains(etag):
        # The store is not asked at all: a tablet revalidating its cached photos costs nothing.
        return private_file(send_file(io.BytesIO(), mimetype=mimetype, etag=etag, conditional=True))
    try:
        body, size = storage.current().open(storage.evidence_key(sha, thumbnail))
    except FileNotFoundError:
        abort(404)
    response = send_file(body, mimetype=mimetype, download_name=download_name, as_attachment=as_attachment,
                         etag=etag, conditional=True)
    response.content_length = size
    return private_file(response)


def send_attachment(attachment: Attachment, thumbnail: bool = False):
    if thumbnail and not attachment.is_image:
        abort(404)  # PDFs have no thumbnail; the page shows a file link
    # A PDF downloads rather than opening in our origin (a viewer blocks a sandboxed PDF anyway).
    return send_stored(attachment.sha256, thumbnail=thumbnail,
                       mimetype="image/jpeg" if thumbnail else attachment.mime_type,
                       download_name=stored_name(attachment), as_attachment=not attachment.is_image)
