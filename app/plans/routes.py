"""Plan documents: start, edit with a live preview, finalise, print, PDF, Word, signed scan,
correction and amendment.

Each route makes one check: the plan is loaded through what the user may read
(app.services.permissions.visible_plans), anything else answers 404; what the user may do is then the
service's to refuse (403). Plain posts redirect (303) or come back with 422 and the messages beside
their fields, nothing typed lost; htmx only adds the live preview.
"""
from flask import abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from app.documents import output
from app.documents.forms import DocumentForm, PlanStartForm, SignedScanForm
from app.documents.output import render_body
from app.extensions import db
from app.files import send_stored
from app.forms import apply_error, clamp_year, form_status
from app.htmx import is_htmx, render
from app.models import Document, DocumentKind, IssuingBody
from app.plans import bp
from app.services import evidence, permissions
from app.services import plan_documents as service
from app.services.errors import NotPermitted, ValidationFailed
from app.throttle import uploads


def get_plan(document_id: int) -> Document:
    """A plan the user may read, with its issuing body and scans; any other document answers 404."""
    document = db.session.scalar(
        permissions.visible_plans(current_user).where(Document.id == document_id)
        .options(joinedload(Document.issuing_body), selectinload(Document.scans))
        .execution_options(populate_existing=True))
    if document is None:
        abort(404)
    return document


def _plan_page(year: int):
    return redirect(url_for("inspections.plan", year=year), 303)


# --- starting ------------------------------------------------------------------------------------

@bp.route("/<int:year>/start", methods=["POST"])
def start(year: int):
    """Open the year's plan (made as a draft the first time, by the body chosen)."""
    year = clamp_year(year) or abort(404)
    form = PlanStartForm()
    body = db.session.get(IssuingBody, form.issuing_body.data) if form.validate_on_submit() else None
    try:
        document = service.start_plan(current_user, year, body)
    except NotPermitted:
        abort(403)
    except ValidationFailed as error:
        flash(error.message, "error")
        return _plan_page(year)
    return redirect(url_for("plans.edit", document_id=document.id), 303)


@bp.route("/<int:year>/amend", methods=["POST"])
def amend(year: int):
    """Open an amended plan listing what changed since the plan in force."""
    year = clamp_year(year) or abort(404)
    try:
        document = service.start_amendment(current_user, year)
    except NotPermitted:
        abort(403)
    except ValidationFailed as error:
        flash(error.message, "error")
        return _plan_page(year)
    return redirect(url_for("plans.edit", document_id=document.id), 303)


# --- reading -------------------------------------------------------------------------------------

def detail_context(document: Document, **extra) -> dict:
    corrections = db.session.scalars(permissions.visible_plans(current_user).where(
        Document.corrects_id == document.id).order_by(Document.id)).all()
    extra.setdefault("scan_form", SignedScanForm(formdata=None))
    return {"document": document, "year": service.year_of(document), "corrections": corrections,
            "rights": permissions.plan_rights(current_user, document), "body_html": output.body_html(document),
            **extra}


@bp.route("/<int:document_id>")
def detail(document_id: int):
    document = get_plan(document_id)
    return render("plans/detail.html", **detail_context(document))


# --- editing -------------------------------------------------------------------------------------

def form_for(document: Document, formdata=None) -> DocumentForm:
    if formdata is not None:
        return DocumentForm(formdata=formdata, kind=DocumentKind.PLAN)
    data = {"date": document.date, "row_version": document.row_version, **service.texts_of(document)}
    return DocumentForm(formdata=None, data=data, kind=DocumentKind.PLAN)


def _posted_date(form: DocumentForm):
    return form.date.data if not form.date.errors else None


@bp.route("/<int:document_id>/edit", methods=["GET", "POST"])
def edit(document_id: int):
    """The leader's form beside the plan as it will print; saving keeps the draft."""
    document = get_plan(document_id)
    if not permissions.plan_rights(current_user, document).edit:
        abort(403)
    if request.method == "GET":
        form = form_for(document)
        preview_html = render_body(service.preview(document, document.date, service.texts_of(document)))
        return render("plans/edit.html", form=form, document=document, preview_html=preview_html)
    form = form_for(document, request.form)
    if form.validate_on_submit():
        try:
            service.update_plan(current_user, document, int(form.row_version.data or 0), form.date.data,
                                form.raw_texts())
        except ValidationFailed as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("Draft saved."), "success")
            if request.form.get("then") == "finalise":
                return redirect(url_for("plans.detail", document_id=document.id, _anchor="finalise"), 303)
            return redirect(url_for("plans.edit", document_id=document.id), 303)
    document = get_plan(document_id)
    preview_html = render_body(service.preview(document, _posted_date(form), form.raw_texts()))
    return render("plans/edit.html", status=form_status(form), form=form, document=document,
                  preview_html=preview_html)


@bp.route("/<int:document_id>/preview", methods=["POST"])
def preview(document_id: int):
    """The live preview of what is typed (htmx, on input): nothing is saved."""
    document = get_plan(document_id)
    if not permissions.plan_rights(current_user, document).edit:
        abort(403)
    if not is_htmx():
        return redirect(url_for("plans.edit", document_id=document.id), 303)
    form = form_for(document, request.form)
    form.validate()
    data = service.preview(document, _posted_date(form), form.raw_texts())
    return render("documents/_preview.html", preview_html=render_body(data), document=document)


@bp.route("/<int:document_id>/finalise", methods=["POST"])
def finalise(document_id: int):
    document = get_plan(document_id)
    try:
        service.finalise_plan(current_user, document, render_body)
    except NotPermitted:
        abort(403)
    except ValidationFailed as error:
        db.session.rollback()
        document = get_plan(document_id)
        problems = [message for _field, message in error.problems]
        return render("plans/detail.html", status=422, problems=problems, **detail_context(document))
    flash(_("Plan %(number)s finalised: print it for signing.", number=document.number), "success")
    return redirect(url_for("plans.detail", document_id=document.id), 303)


@bp.route("/<int:document_id>/correct", methods=["POST"])
def correct(document_id: int):
    document = get_plan(document_id)
    try:
        correction = service.start_correction(current_user, document)
    except NotPermitted:
        abort(403)
    return redirect(url_for("plans.edit", document_id=correction.id), 303)


# --- outputs -------------------------------------------------------------------------------------

@bp.route("/<int:document_id>/print")
def print_view(document_id: int):
    """The plan on A4 for the browser's print dialog (the same page the PDF is made from)."""
    response = make_response(output.page_html(get_plan(document_id), screen=True))
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    return response


def _download(data: bytes, mimetype: str, name: str):
    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/<int:document_id>/pdf")
def pdf(document_id: int):
    document = get_plan(document_id)
    return _download(output.pdf_bytes(document), "application/pdf", output.file_name(document, "pdf"))


@bp.route("/<int:document_id>/docx")
def docx(document_id: int):
    document = get_plan(document_id)
    return _download(output.docx_bytes(document),
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     output.file_name(document, "docx"))


# --- the signed scan -----------------------------------------------------------------------------

@bp.route("/<int:document_id>/signed", methods=["POST"])
@uploads
def upload_signed(document_id: int):
    document = get_plan(document_id)
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
            return redirect(url_for("plans.detail", document_id=document.id), 303)
    document = get_plan(document_id)
    return render("plans/detail.html", status=422, **detail_context(document, scan_form=form))


@bp.route("/<int:document_id>/signed")
def signed_scan(document_id: int):
    document = get_plan(document_id)
    scan = document.signed_scan or abort(404)
    extension = "pdf" if scan.mime_type == "application/pdf" else "jpg"
    return send_stored(scan.sha256, mimetype=scan.mime_type, as_attachment=True,
                       download_name=output.file_name(document, f"signed.{extension}"))


@bp.app_context_processor
def plan_helpers():
    """For the Kế hoạch năm page: the year's plans the user may read, and what they may start."""

    def year_plans(year: int) -> dict:
        writer = permissions.can_write_plans(current_user)
        in_force, changes = service.pending_changes(year) if writer else (None, None)
        return {"documents": service.plans_of(current_user, year), "writer": writer, "in_force": in_force,
                "changes": changes, "start_form": PlanStartForm(formdata=None) if writer else None}

    return {"year_plans": year_plans}
