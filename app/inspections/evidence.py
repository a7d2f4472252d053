"""Evidence routes: attach photos and PDFs to an answer, remove them, and serve them to those who may
open the checklist. Each answers htmx with the item's evidence fragment and a plain form post with a
redirect back to the item (DESIGN.md §5)."""

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.errors import render_error
from app.extensions import db
from app.files import send_attachment
from app.htmx import ANSWER_SAVED, hx_trigger, is_htmx, render
from app.inspections import bp
from app.inspections.loaders import get_inspection
from app.models import Answer, Attachment, ChecklistItem, Inspection
from app.services import answers
from app.services import evidence as service
from app.services import permissions
from app.services.errors import NotPermitted, ValidationFailed
from app.throttle import uploads


def _answer(inspection: Inspection, item: ChecklistItem) -> Answer | None:
    return db.session.scalar(
        sa.select(Answer).where(Answer.inspection_id == inspection.id, Answer.item_id == item.id)
        .options(selectinload(Answer.attachments))
    )


def _fragment(inspection: Inspection, item: ChecklistItem, status: int = 200, error: str | None = None):
    """The item's evidence; after a change also its save state (out of band) and answerSaved for the
    progress: an upload may have made the answer (a new row version) and met the item's evidence rule."""
    changed = status == 200
    answer = _answer(inspection, item)
    response = render("inspections/_evidence_response.html", status=status, inspection=inspection, item=item,
                      answer=answer, answers={item.id: answer} if answer else {}, error=error, oob_state=changed,
                      can_answer=permissions.can_answer(current_user, inspection))
    return hx_trigger(response, ANSWER_SAVED) if changed else response


def _back_to_item(inspection_id: int, item_id: int):
    return redirect(url_for("inspections.checklist", inspection_id=inspection_id, _anchor=f"item-{item_id}"), 303)


def _refused(inspection: Inspection, item: ChecklistItem, error: ValidationFailed):
    """422: inline in the fragment for htmx, on the error page for a plain post. Nothing was saved."""
    if is_htmx():
        return _fragment(inspection, item, status=422, error=error.message)
    return render_error(422, error.message)


def get_attachment(attachment_id: int) -> tuple[Attachment, Inspection]:
    """An answer's attachment whose checklist the user may open; any other answers 404."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.answer is None:
        abort(404)
    inspection = attachment.answer.inspection
    if not (permissions.can_view_inspection(current_user, inspection) and permissions.can_open_checklist(current_user, inspection)):
        abort(404)
    return attachment, inspection


@bp.route("/<int:inspection_id>/items/<int:item_id>/evidence", methods=["POST"])
@uploads
def upload_evidence(inspection_id: int, item_id: int):
    inspection = get_inspection(inspection_id)
    item = answers.item_of(inspection, item_id)
    if item is None:
        abort(404)
    if not permissions.can_answer(current_user, inspection):
        abort(403)
    files = service.read_uploads(request.files.getlist("file"))
    try:
        service.store_evidence_files(current_user, inspection, item, files, _upload_id())
    except NotPermitted:
        abort(403)
    except ValidationFailed as error:
        return _refused(inspection, item, error)
    if is_htmx():
        return _fragment(inspection, item)
    flash(_("Evidence attached."), "success")
    return _back_to_item(inspection.id, item.id)


def _upload_id() -> str | None:
    """The tablet's id for this upload (its outbox key), if it sent one that fits the column."""
    upload_id = (request.form.get("upload_id") or "").strip()
    return upload_id if 0 < len(upload_id) <= 64 else None


@bp.route("/evidence/<int:attachment_id>")
def evidence_file(attachment_id: int):
    return send_attachment(get_attachment(attachment_id)[0])


@bp.route("/evidence/<int:attachment_id>/thumb")
def evidence_thumbnail(attachment_id: int):
    return send_attachment(get_attachment(attachment_id)[0], thumbnail=True)


@bp.route("/evidence/<int:attachment_id>/delete", methods=["POST"])
def delete_evidence(attachment_id: int):
    attachment, inspection = get_attachment(attachment_id)
    item = attachment.answer.item
    try:
        service.delete_evidence(current_user, attachment)
    except NotPermitted:
        abort(403)
    if is_htmx():
        return _fragment(inspection, item)
    flash(_("Evidence removed."), "success")
    return _back_to_item(inspection.id, item.id)
