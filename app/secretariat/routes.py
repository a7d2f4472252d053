"""The secretariat's documents, the year's plan and the periodic report: start (and amend a plan),
edit with a live preview, finalise, print, PDF, Word, signed scan and correction.

Each route makes one check: the document is loaded through what the user may read
(app.services.permissions.visible_secretariat_documents), anything else answers 404; what the user may do is then the
service's to refuse (403). Plain posts redirect (303) or come back with 422 and the messages beside
their fields, nothing typed lost; htmx only adds the live preview.
"""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from app.documents import output
from app.documents.forms import DocumentForm, PlanStartForm, ReportStartForm, SignedScanForm
from app.documents.output import render_body
from app import clock
from app.extensions import db
from app.forms import apply_error, clamp_year, form_status
from app.htmx import is_htmx, render
from app.models import Document, DocumentKind, IssuingBody
from app.secretariat import bp
from app.services import evidence, period_reports, permissions, plan_documents
from app.services.errors import NotPermitted, ValidationFailed
from app.throttle import uploads


# The service of each kind: the same functions, each kind's own rules.
SERVICES = {DocumentKind.PLAN: plan_documents, DocumentKind.REPORT: period_reports}


def get_document(document_id: int) -> Document:
    """A plan or report the user may read, with its issuing body and scans; any other answers 404."""
    document = db.session.scalar(
        permissions.visible_secretariat_documents(current_user).where(Document.id == document_id)
        .options(joinedload(Document.issuing_body), selectinload(Document.scans))
        .execution_options(populate_existing=True))
    if document is None:
        abort(404)
    return document


def _plan_page(year: int):
    return redirect(url_for("inspections.plan", year=year), 303)


# --- starting ------------------------------------------------------------------------------------

@bp.route("/plans/<int:year>/start", methods=["POST"])
def start(year: int):
    """Open the year's plan (made as a draft the first time, by the body chosen)."""
    year = clamp_year(year) or abort(404)
    form = PlanStartForm()
    body = db.session.get(IssuingBody, form.issuing_body.data) if form.validate_on_submit() else None
    try:
        document = plan_documents.start_plan(current_user, year, body)
    except NotPermitted:
        abort(403)
    except ValidationFailed as error:
        flash(error.message, "error")
        return _plan_page(year)
    return redirect(url_for("secretariat.edit", document_id=document.id), 303)


@bp.route("/plans/<int:year>/amend", methods=["POST"])
def amend(year: int):
    """Open an amended plan listing what changed since the plan in force."""
    year = clamp_year(year) or abort(404)
    try:
        document = plan_documents.start_amendment(current_user, year)
    except NotPermitted:
        abort(403)
    except ValidationFailed as error:
        flash(error.message, "error")
        return _plan_page(year)
    return redirect(url_for("secretariat.edit", document_id=document.id), 303)


@bp.route("/reports", methods=["GET", "POST"])
def reports():
    """The periodic reports the user may read, and (for their writers) a new one: its period and units."""
    if not permissions.can_read_reports(current_user):
        abort(404)
    form = ReportStartForm() if permissions.can_write_secretariat_documents(current_user) else None
    if form is None and request.method == "POST":
        abort(403)
    if form is not None and form.validate_on_submit():
        try:
            first, last = period_reports.period_bounds(form.period.data, form.year.data, form.start.data,
                                                       form.end.data)
            document = period_reports.start_report(current_user, db.session.get(IssuingBody, form.issuing_body.data),
                                                   first, last, form.scope.data)
        except ValidationFailed as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            return redirect(url_for("secretariat.edit", document_id=document.id), 303)
    if form is not None and request.method == "GET":
        form.year.data = clock.local_today().year
    return render("secretariat/reports.html", status=form_status(form) if form else 200, form=form,
                  documents=period_reports.reports_of(current_user), scope_label=period_reports.scope_label)


# --- reading -------------------------------------------------------------------------------------

def _back(document: Document) -> tuple[str, str]:
    """Where the document's page leads back to: the year's plan page, or the reports."""
    if document.kind == DocumentKind.PLAN:
        year = plan_documents.year_of(document)
        return url_for("inspections.plan", year=year), _("Annual plan %(year)d", year=year)
    return url_for("secretariat.reports"), _("Periodic reports")


def detail_context(document: Document, **extra) -> dict:
    corrections = db.session.scalars(permissions.visible_secretariat_documents(current_user).where(
        Document.corrects_id == document.id).order_by(Document.id)).all()
    extra.setdefault("scan_form", SignedScanForm(formdata=None))
    return {"document": document, "back": _back(document), "corrections": corrections,
            "rights": permissions.secretariat_rights(current_user, document), "body_html": output.body_html(document),
            "scope_label": period_reports.scope_label, **extra}


@bp.route("/<int:document_id>")
def detail(document_id: int):
    document = get_document(document_id)
    return render("secretariat/detail.html", **detail_context(document))


# --- editing -------------------------------------------------------------------------------------

def form_for(document: Document, saved_texts: dict | None = None) -> DocumentForm:
    """The editor's form: as posted, or with the draft's date and `saved_texts`."""
    if saved_texts is None:
        return DocumentForm(formdata=request.form, kind=document.kind)
    data = {"date": document.date, "row_version": document.row_version, **saved_texts}
    return DocumentForm(formdata=None, data=data, kind=document.kind)


def _posted_date(form: DocumentForm):
    return form.date.data if not form.date.errors else None


@bp.route("/<int:document_id>/edit", methods=["GET", "POST"])
def edit(document_id: int):
    """The leader's form beside the plan as it will print; saving keeps the draft."""
    document = get_document(document_id)
    if not permissions.secretariat_rights(current_user, document).edit:
        abort(403)
    service = SERVICES[document.kind]
    if request.method == "GET":
        data = service.compose(document)  # a draft is drawn (its figures computed) once, for form and preview
        return render("secretariat/edit.html", form=form_for(document, data["texts"]), document=document,
                      preview_html=render_body(data))
    form = form_for(document)
    if form.validate_on_submit():
        try:
            service.update_draft(current_user, document, int(form.row_version.data or 0), form.date.data,
                                form.raw_texts())
        except ValidationFailed as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("Draft saved."), "success")
            if request.form.get("then") == "finalise":
                return redirect(url_for("secretariat.detail", document_id=document.id, _anchor="finalise"), 303)
            return redirect(url_for("secretariat.edit", document_id=document.id), 303)
    document = get_document(document_id)
    preview_html = render_body(service.preview(document, _posted_date(form), form.raw_texts()))
    return render("secretariat/edit.html", status=form_status(form), form=form, document=document,
                  preview_html=preview_html)


@bp.route("/<int:document_id>/preview", methods=["POST"])
def preview(document_id: int):
    """The live preview of what is typed (htmx, on input): nothing is saved."""
    document = get_document(document_id)
    if not permissions.secretariat_rights(current_user, document).edit:
        abort(403)
    if not is_htmx():
        return redirect(url_for("secretariat.edit", document_id=document.id), 303)
    form = form_for(document)
    form.validate()
    data = SERVICES[document.kind].preview(document, _posted_date(form), form.raw_texts())
    return render("documents/_preview.html", preview_html=render_body(data), document=document)


@bp.route("/<int:document_id>/finalise", methods=["POST"])
def finalise(document_id: int):
    document = get_document(document_id)
    try:
        SERVICES[document.kind].finalise_draft(current_user, document, render_body)
    except NotPermitted:
        abort(403)
    except ValidationFailed as error:
        db.session.rollback()
        document = get_document(document_id)
        problems = [message for _field, message in error.problems]
        return render("secretariat/detail.html", status=422, problems=problems, **detail_context(document))
    flash(_("%(document)s finalised: print it for signing.", document=document.label), "success")
    return redirect(url_for("secretariat.detail", document_id=document.id), 303)


@bp.route("/<int:document_id>/correct", methods=["POST"])
def correct(document_id: int):
    document = get_document(document_id)
    try:
        correction = SERVICES[document.kind].start_correction(current_user, document)
    except NotPermitted:
        abort(403)
    return redirect(url_for("secretariat.edit", document_id=correction.id), 303)


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


# --- the signed scan -----------------------------------------------------------------------------

@bp.route("/<int:document_id>/signed", methods=["POST"])
@uploads
def upload_signed(document_id: int):
    document = get_document(document_id)
    form = SignedScanForm()
    if form.validate_on_submit():
        name, data = (evidence.read_uploads([request.files.get("file")]) or [("", b"")])[0]
        try:
            SERVICES[document.kind].upload_signed(current_user, document, name, data)
        except NotPermitted:
            abort(403)
        except ValidationFailed as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("Signed scan uploaded: %(document)s is signed.", document=document.label), "success")
            return redirect(url_for("secretariat.detail", document_id=document.id), 303)
    document = get_document(document_id)
    return render("secretariat/detail.html", status=422, **detail_context(document, scan_form=form))


@bp.route("/<int:document_id>/signed")
def signed_scan(document_id: int):
    return output.signed_scan_response(get_document(document_id))


@bp.app_context_processor
def plan_helpers():
    """For the Kế hoạch năm page: the year's plans the user may read, and what they may start."""

    def year_plans(year: int) -> dict:
        writer = permissions.can_write_secretariat_documents(current_user)
        in_force, changes = plan_documents.pending_changes(year) if writer else (None, None)
        return {"documents": plan_documents.plans_of(current_user, year), "writer": writer, "in_force": in_force,
                "changes": changes, "start_form": PlanStartForm(formdata=None) if writer else None}

    return {"year_plans": year_plans}
