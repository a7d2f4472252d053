"""Documents: start, edit with a live preview, finalise, print, PDF, Word, signed scan, correction.

Each route makes one check: the document is loaded through what the user may read
(app.services.permissions.visible_documents), anything else answers 404; what the user may do is then
the service's to refuse (403). Plain posts redirect (303) or come back with 422 and the messages
beside their fields, nothing typed lost; htmx only adds the live preview.
"""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from app.documents import bp, output
from app.documents.forms import DocumentForm, SignedScanForm
from app.documents.output import render_body
from app.extensions import db
from app.files import send_stored
from app.forms import apply_error, form_status
from app.htmx import is_htmx, render
from app.inspections.loaders import get_inspection
from app.models import Document, DocumentKind, Inspection, InspectionMember
from app.services import documents as service
from app.services import evidence, permissions
from app.services.errors import NotPermitted, ValidationFailed
from app.throttle import uploads


# --- loading -------------------------------------------------------------------------------------

def get_document(document_id: int) -> Document:
    """A document the user may read, with its inspection and team; any other answers 404."""
    document = db.session.scalar(
        permissions.visible_documents(current_user).where(Document.id == document_id).options(
            joinedload(Document.inspection).selectinload(Inspection.members).joinedload(InspectionMember.user),
            joinedload(Document.inspection).joinedload(Inspection.unit), joinedload(Document.issuing_body),
            selectinload(Document.scans))
        .execution_options(populate_existing=True))
    if document is None:
        abort(404)
    return document


# --- starting and reading ------------------------------------------------------------------------

@bp.route("/inspections/<int:inspection_id>/<any(minutes, conclusion):kind>", methods=["POST"])
def start(inspection_id: int, kind: str):
    """Open the inspection's minutes or conclusion (made as a draft the first time)."""
    inspection = get_inspection(inspection_id)
    try:
        document = service.start_document(current_user, inspection, DocumentKind(kind))
    except NotPermitted:
        abort(403)
    except ValidationFailed as error:
        flash(error.message, "error")
        return redirect(url_for("inspections.detail", inspection_id=inspection.id), 303)
    target = "documents.edit" if document.is_draft else "documents.detail"
    return redirect(url_for(target, document_id=document.id), 303)


def detail_context(document: Document, **extra) -> dict:
    corrections = db.session.scalars(permissions.visible_documents(current_user).where(
        Document.corrects_id == document.id).order_by(Document.id)).all()
    extra.setdefault("scan_form", SignedScanForm(formdata=None))
    return {"document": document, "inspection": document.inspection, "rights": permissions.document_rights(current_user, document),
            "corrections": corrections, "body_html": output.body_html(document), **extra}


@bp.route("/<int:document_id>")
def detail(document_id: int):
    """The document's page: its state, its outputs and what the user may do with it."""
    document = get_document(document_id)
    return render("documents/detail.html", **detail_context(document))


# --- editing -------------------------------------------------------------------------------------

def form_for(document: Document, formdata=None) -> DocumentForm:
    data = {"date": document.date, "place": document.place, "row_version": document.row_version,
            **service.texts_of(document)}
    if formdata is None:
        return DocumentForm(formdata=None, data=data, kind=document.kind)
    return DocumentForm(formdata=formdata, kind=document.kind)


def _posted_date(form: DocumentForm):
    return form.date.data if not form.date.errors else None


@bp.route("/<int:document_id>/edit", methods=["GET", "POST"])
def edit(document_id: int):
    """The writer's form beside the document as it will print; saving keeps the draft."""
    document = get_document(document_id)
    if not permissions.can_edit_document(current_user, document):
        abort(403)
    if request.method == "GET":
        form = form_for(document)
        return render("documents/edit.html", form=form, document=document,
                      preview_html=render_body(service.preview(document, document.date, document.place,
                                                               service.texts_of(document))[0]))
    form = form_for(document, request.form)
    if form.validate_on_submit():
        try:
            service.update_document(current_user, document, int(form.row_version.data or 0), form.date.data,
                                    form.place.data, form.raw_texts())
        except NotPermitted:
            abort(403)
        except ValidationFailed as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("Draft saved."), "success")
            if request.form.get("then") == "finalise":
                return redirect(url_for("documents.detail", document_id=document.id, _anchor="finalise"), 303)
            return redirect(url_for("documents.edit", document_id=document.id), 303)
    document = get_document(document_id)
    preview_html = render_body(service.preview(document, _posted_date(form), form.place.data, form.raw_texts())[0])
    return render("documents/edit.html", status=form_status(form), form=form, document=document,
                  preview_html=preview_html)


@bp.route("/<int:document_id>/preview", methods=["POST"])
def preview(document_id: int):
    """The live preview of what is typed (htmx, on input): nothing is saved. Problems show beside
    their fields on saving, not while typing."""
    document = get_document(document_id)
    if not permissions.can_edit_document(current_user, document):
        abort(403)
    if not is_htmx():
        return redirect(url_for("documents.edit", document_id=document.id), 303)
    form = form_for(document, request.form)
    form.validate()
    data, _problems = service.preview(document, _posted_date(form), form.place.data, form.raw_texts())
    return render("documents/_preview.html", preview_html=render_body(data), document=document)


@bp.route("/<int:document_id>/finalise", methods=["POST"])
def finalise(document_id: int):
    document = get_document(document_id)
    try:
        service.finalise_document(current_user, document, render_body)
    except NotPermitted:
        abort(403)
    except ValidationFailed as error:
        db.session.rollback()
        document = get_document(document_id)
        problems = [message for _field, message in error.problems]
        return render("documents/detail.html", status=422, problems=problems, **detail_context(document))
    if document.kind == DocumentKind.CONCLUSION:
        flash(_("Conclusion notice %(number)s issued: the findings are sent to the unit.", number=document.number),
              "success")
    else:
        flash(_("Minutes %(number)s finalised: print them for signing.", number=document.number), "success")
    return redirect(url_for("documents.detail", document_id=document.id), 303)


@bp.route("/<int:document_id>/correct", methods=["POST"])
def correct(document_id: int):
    document = get_document(document_id)
    try:
        correction = service.start_correction(current_user, document)
    except NotPermitted:
        abort(403)
    return redirect(url_for("documents.edit", document_id=correction.id), 303)


# --- outputs -------------------------------------------------------------------------------------

@bp.route("/<int:document_id>/print")
def print_view(document_id: int):
    return output.print_response(get_document(document_id))


@bp.route("/<int:document_id>/pdf")
def pdf(document_id: int):
    return output.pdf_response(get_document(document_id))


@bp.route("/<int:document_id>/docx")
def docx(document_id: int):
    return output.docx_response(get_document(document_id))


@bp.route("/<int:document_id>/photos/<sha>")
def photo(document_id: int, sha: str):
    """A thumbnail of the document's appendix (only the photos the document shows)."""
    document = get_document(document_id)
    if not service.shows_photo(document, sha):
        abort(404)
    return send_stored(sha, thumbnail=True, mimetype="image/jpeg")


# --- the signed scan -----------------------------------------------------------------------------

@bp.route("/<int:document_id>/signed", methods=["POST"])
@uploads
def upload_signed(document_id: int):
    document = get_document(document_id)
    form = SignedScanForm()
    if form.validate_on_submit():
        name, data = (evidence.read_uploads([request.files.get("file")]) or [("", b"")])[0]
        try:
            service.upload_signed(current_user, document, name, data)
        except NotPermitted:
            abort(403)
        except ValidationFailed as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("Signed scan uploaded: %(document)s is signed.", document=document.label), "success")
            return redirect(url_for("documents.detail", document_id=document.id), 303)
    document = get_document(document_id)
    return render("documents/detail.html", status=422, **detail_context(document, scan_form=form))


@bp.route("/<int:document_id>/signed")
def signed_scan(document_id: int):
    return output.signed_scan_response(get_document(document_id))


@bp.app_context_processor
def document_helpers():
    """For the inspection page: its documents the user may read, and which ones they may start."""

    def inspection_documents(inspection):
        return {"documents": service.documents_of(current_user, inspection),
                "can_start": {kind.value: permissions.can_start_document(current_user, inspection, kind)
                              for kind in permissions.STARTS}}

    return {"inspection_documents": inspection_documents}
