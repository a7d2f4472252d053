"""Findings: the list with filters, the finding page and its thread, an inspection's findings, the unit
head's to-do list, a unit's page, and evidence files (one by one or as a ZIP).

Each route makes one check: the finding (or inspection, unit) is loaded through what the user may see,
anything else answers 404; what the user may do is then the service's to refuse (403). Posts answer htmx
with the finding's fragment and a plain form with a 303 redirect; refused input comes back with 422 and
the message beside its field, nothing typed lost.
"""
import tempfile
import zipfile

import sqlalchemy as sa
from flask import abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from app import clock
from app.extensions import db
from app.findings import bp
from app.findings.forms import (
    AcceptForm,
    DismissForm,
    ExtendForm,
    FindingForm,
    PhotoForm,
    ReassignForm,
    ResponseForm,
    SendBackForm,
    SubmitForm,
    list_filters,
)
from app.forms import Page, apply_error, form_status, page_args
from app.htmx import is_htmx, render
from app.inspections.loaders import get_inspection
from app.models import (
    ACTIVE_STATUSES,
    Answer,
    Attachment,
    ChecklistItem,
    Finding,
    FindingEventKind,
    FollowUpItem,
    FindingStatus,
    Inspection,
    InspectionMember,
    ParArea,
    Role,
    Severity,
    Unit,
)
from app.services import cchc_index, evidence, finding_lists, follow_ups, home, permissions, reports
from app.services import findings as service
from app.services.errors import NotPermitted, ValidationFailed
from app.files import posted_files, send_attachment, stored_name
from app.throttle import uploads
from app.units.forms import unit_choices



# --- loading -------------------------------------------------------------------------------------

def get_finding(finding_id: int) -> Finding:
    """A finding the user may see, with what its page shows; any other answers 404, never its data."""
    finding = db.session.scalar(
        permissions.visible_findings(current_user).where(Finding.id == finding_id).options(
            joinedload(Finding.inspection).selectinload(Inspection.members).joinedload(InspectionMember.user),
            joinedload(Finding.unit), joinedload(Finding.item), joinedload(Finding.repeat_of),
            selectinload(Finding.photos))
        .execution_options(populate_existing=True))
    if finding is None:
        abort(404)
    return finding


# --- lists ---------------------------------------------------------------------------------------

UNIT_CHOICES_MOST = 200  # more units than this, and the list's unit filter is a search by name or code


@bp.route("/")
def index():
    """Every finding the user may see, filtered and searched in SQL, paginated; the filters are the URL."""
    today = clock.local_today()
    query, filters = finding_lists.filtered_findings(current_user, list_filters(request.args), today)
    number, per_page = page_args()
    ids, total = finding_lists.page_of_ids(current_user, query, filters, today, number, per_page)
    page = Page.read(finding_lists.rows_in_order(ids), total, number, per_page)
    units = finding_lists.unit_choices(current_user, UNIT_CHOICES_MOST)
    return render("findings/index.html", "findings/_results.html", page=page, filters=filters, today=today,
                  units=units, statuses=[s for s in FindingStatus if s != FindingStatus.DISMISSED], severities=list(Severity))


@bp.route("/todo")
def todo():
    if current_user.role != Role.UNIT_HEAD:
        return redirect(url_for("findings.index", status="active"))
    return render("findings/todo.html", **home.todo(current_user, clock.local_today()))


@bp.route("/units/<int:unit_id>")
def unit(unit_id: int):
    """A unit's page: its findings at a glance (counts, what is open, repeat findings) and its history
    (inspections with their scores over the years, documents, predecessors and successor)."""
    unit = db.session.scalar(permissions.units_visible_to(current_user).where(Unit.id == unit_id)) or abort(404)
    today = clock.local_today()
    theirs = permissions.visible_findings(current_user).where(Finding.unit_id == unit.id)
    repeats = db.session.scalars(finding_lists.with_list_columns(theirs.where(Finding.repeat_of_id.is_not(None)))
                                 .options(joinedload(Finding.repeat_of))
                                 .order_by(Finding.id.desc()).limit(100)).all()
    active = db.session.scalars(finding_lists.with_list_columns(finding_lists.ordered(theirs.where(Finding.status.in_(ACTIVE_STATUSES)), today))
                                .limit(100)).all()
    items = permissions.visible_follow_ups(current_user).where(FollowUpItem.unit_id == unit.id)
    return render("findings/unit.html", unit=unit, today=today, counts=service.counts(theirs, today),
                  repeats=repeats, active=active, history=reports.unit_history(current_user, unit),
                  items=follow_ups.active_items(current_user, today, unit_id=unit.id),
                  index_history=cchc_index.unit_history(current_user, unit), all_areas=list(ParArea),
                  item_counts=follow_ups.counts(items, today))


# --- one finding ---------------------------------------------------------------------------------

def detail_context(finding: Finding, **forms) -> dict:
    rights = permissions.finding_rights(current_user, finding)
    answer = None
    if finding.item_id is not None:
        answer = db.session.scalar(sa.select(Answer).where(
            Answer.inspection_id == finding.inspection_id, Answer.item_id == finding.item_id)
            .options(selectinload(Answer.attachments)))
    kinds = ([FindingEventKind.PLAN, FindingEventKind.PROGRESS] if rights.respond else []) + ([FindingEventKind.COMMENT] if rights.comment else [])
    forms.setdefault("respond_form", ResponseForm(formdata=None, kinds=kinds))
    forms.setdefault("submit_form", SubmitForm(formdata=None))
    forms.setdefault("accept_form", AcceptForm(formdata=None))
    forms.setdefault("back_form", SendBackForm(formdata=None))
    forms.setdefault("extend_form", ExtendForm(formdata=None))
    forms.setdefault("dismiss_form", DismissForm(formdata=None))
    forms.setdefault("photo_form", PhotoForm(formdata=None))
    if rights.reassign and "reassign_form" not in forms:
        forms["reassign_form"] = ReassignForm(formdata=None, units=unit_choices(_("— choose —")))
    # The earlier finding may have moved to a unit this user does not see: then only "repeat" shows.
    repeat_of_visible = finding.repeat_of is not None and permissions.can_view_finding(current_user, finding.repeat_of)
    return {"finding": finding, "rights": rights, "answer": answer, "events": service.timeline(finding),
            "today": clock.local_today(), "kinds": kinds, "repeat_of_visible": repeat_of_visible, **forms}


def finding_response(finding: Finding, status: int = 200, message: str | None = None, **forms):
    """After a post: htmx gets the finding's fragment; a plain post a redirect, or the page with 422."""
    if status == 200 and not is_htmx():
        if message:
            flash(message, "success")
        return redirect(url_for("findings.detail", finding_id=finding.id), 303)
    if message:
        flash(message, "success")
    db.session.expire_all()  # show the finding as committed, not as the refused change left it
    return render("findings/detail.html", "findings/_finding.html", status=status,
                  **detail_context(get_finding(finding.id), **forms))


@bp.route("/<int:finding_id>")
def detail(finding_id: int):
    return render("findings/detail.html", "findings/_finding.html", **detail_context(get_finding(finding_id)))


def _act(finding: Finding, form, call, message: str, form_name: str):
    """Run a service call for a posted form: 403 when refused, 422 with the message beside its field."""
    if form.validate_on_submit():
        try:
            call()
        except NotPermitted:
            abort(403)
        except ValidationFailed as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            return finding_response(finding, message=message)
    return finding_response(finding, status=422, **{form_name: form})


@bp.route("/<int:finding_id>/respond", methods=["POST"])
@uploads
def respond(finding_id: int):
    finding = get_finding(finding_id)
    rights = permissions.finding_rights(current_user, finding)
    kinds = ([FindingEventKind.PLAN, FindingEventKind.PROGRESS] if rights.respond else []) + ([FindingEventKind.COMMENT] if rights.comment else [])
    if not kinds:
        abort(403)
    form = ResponseForm(kinds=kinds)
    return _act(finding, form, lambda: service.respond(current_user, finding, FindingEventKind(form.kind.data), form.text.data,
                                                         posted_files(form.file.name)),
                _("Posted."), "respond_form")


@bp.route("/<int:finding_id>/submit", methods=["POST"])
@uploads
def submit(finding_id: int):
    finding = get_finding(finding_id)
    form = SubmitForm()
    return _act(finding, form, lambda: service.submit_finding(current_user, finding, form.text.data,
                                                                posted_files(form.file.name),
                                                                form.no_evidence_reason.data),
                _("Submitted for verification."), "submit_form")


@bp.route("/<int:finding_id>/accept", methods=["POST"])
def accept(finding_id: int):
    finding = get_finding(finding_id)
    form = AcceptForm()
    return _act(finding, form, lambda: service.accept_finding(current_user, finding, form.text.data),
                _("Accepted: the finding is closed."), "accept_form")


@bp.route("/<int:finding_id>/send-back", methods=["POST"])
def send_back(finding_id: int):
    finding = get_finding(finding_id)
    form = SendBackForm()
    return _act(finding, form, lambda: service.reject_finding(current_user, finding, form.reason.data),
                _("Sent back to the unit."), "back_form")


@bp.route("/<int:finding_id>/extend", methods=["POST"])
def extend(finding_id: int):
    finding = get_finding(finding_id)
    form = ExtendForm()
    return _act(finding, form, lambda: service.extend_due_date(current_user, finding, form.new_due_date.data,
                                                                 form.reason.data),
                _("Due date extended."), "extend_form")


@bp.route("/<int:finding_id>/reassign", methods=["POST"])
def reassign(finding_id: int):
    finding = get_finding(finding_id)
    form = ReassignForm(units=unit_choices(_("— choose —")))
    return _act(finding, form, lambda: service.reassign_finding(current_user, finding,
                                                                  db.session.get(Unit, form.unit_id.data),
                                                                  form.reason.data),
                _("Responsible unit changed."), "reassign_form")


@bp.route("/<int:finding_id>/dismiss", methods=["POST"])
def dismiss(finding_id: int):
    finding = get_finding(finding_id)
    form = DismissForm()
    return _act(finding, form, lambda: service.dismiss_finding(current_user, finding, form.reason.data),
                _("Finding dismissed."), "dismiss_form")


@bp.route("/<int:finding_id>/restore", methods=["POST"])
def restore(finding_id: int):
    finding = get_finding(finding_id)
    try:
        service.restore_finding(current_user, finding)
    except NotPermitted:
        abort(403)
    return finding_response(finding, message=_("Finding restored to the drafts."))


@bp.route("/<int:finding_id>/photos", methods=["POST"])
@uploads
def add_photos(finding_id: int):
    finding = get_finding(finding_id)
    form = PhotoForm()
    files = posted_files(form.file.name)
    if not files:
        form.file.errors = [_("Choose a photo or a PDF file.")]
        return finding_response(finding, status=422, photo_form=form)
    return _act(finding, form, lambda: service.add_photos(current_user, finding, files), _("Photos attached."),
                "photo_form")


@bp.route("/<int:finding_id>/photos/<int:attachment_id>/delete", methods=["POST"])
def delete_photo(finding_id: int, attachment_id: int):
    finding = get_finding(finding_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.finding_id != finding.id:
        abort(404)
    try:
        service.remove_photo(current_user, finding, attachment)
    except NotPermitted:
        abort(403)
    return finding_response(finding, message=_("Photo removed."))


@bp.route("/<int:finding_id>/edit", methods=["GET", "POST"])
def edit(finding_id: int):
    """Edit a draft (saving confirms it); without the right, 403."""
    finding = get_finding(finding_id)
    if not permissions.can_edit_finding(current_user, finding) or finding.status != FindingStatus.DRAFT:
        abort(403)
    form = FindingForm(obj=finding, units=service.responsible_unit_choices(finding.inspection))
    if not form.is_submitted():
        form.severity.data = finding.severity.value
        form.row_version.data = finding.row_version
    if form.validate_on_submit():
        try:
            service.update_finding(current_user, finding, int(form.row_version.data or 0), **form.values())
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            flash(_("Finding saved and confirmed."), "success")
            return redirect(url_for("findings.for_inspection", inspection_id=finding.inspection_id,
                                    _anchor=f"finding-{finding.id}"), 303)
    return render("findings/form.html", status=form_status(form), form=form, finding=finding,
                  inspection=finding.inspection)


# --- files ---------------------------------------------------------------------------------------

def _file_of(finding: Finding, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not service.belongs_to(attachment, finding):
        abort(404)
    return attachment


@bp.route("/<int:finding_id>/files/<int:attachment_id>")
def file(finding_id: int, attachment_id: int):
    finding = get_finding(finding_id)
    return send_attachment(_file_of(finding, attachment_id), thumbnail=False)


@bp.route("/<int:finding_id>/files/<int:attachment_id>/thumb")
def thumbnail(finding_id: int, attachment_id: int):
    finding = get_finding(finding_id)
    return send_attachment(_file_of(finding, attachment_id), thumbnail=True)


def zip_name(code: str | None, fallback: str) -> str:
    return (code or fallback).replace("/", "-") + ".zip"


def _zip(entries: list[tuple[str, Attachment]], name: str):
    """A ZIP of (folder, attachment) pairs, written to a temporary file (never all in memory)."""
    archive = tempfile.TemporaryFile()
    used = set()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for folder, attachment in entries:
            arcname = f"{folder}/{attachment.id}-{stored_name(attachment)}"
            data = None if arcname in used else evidence.read_file(attachment.sha256)
            if data is None:
                continue
            used.add(arcname)
            zf.writestr(arcname, data)
    archive.seek(0)
    return send_file(archive, mimetype="application/zip", as_attachment=True, download_name=name)


def _folder(finding: Finding, attachment: Attachment) -> str:
    code = (finding.code or f"draft-{finding.id}").replace("/", "-")
    part = "answer" if attachment.answer_id else "finding" if attachment.finding_id else "follow-up"
    return f"{code}/{part}"


@bp.route("/<int:finding_id>/files.zip")
def finding_zip(finding_id: int):
    finding = get_finding(finding_id)
    entries = [(_folder(finding, a), a) for a in service.files_of(finding)]
    return _zip(entries, zip_name(finding.code, f"finding-{finding.id}"))


@bp.route("/inspections/<int:inspection_id>/files.zip")
def inspection_zip(inspection_id: int):
    """Every file of the inspection's findings the user may see, one folder per finding code."""
    inspection = get_inspection(inspection_id)
    entries = [(_folder(finding, a), a) for finding, files in service.inspection_files(current_user, inspection)
               for a in files]
    number = (inspection.decision_number or f"inspection-{inspection.id}")
    return _zip(entries, zip_name(number, ""))


# --- an inspection's findings --------------------------------------------------------------------

def inspection_findings(inspection: Inspection) -> list[Finding]:
    return db.session.scalars(
        permissions.visible_findings(current_user).where(Finding.inspection_id == inspection.id)
        .outerjoin(ChecklistItem, Finding.item_id == ChecklistItem.id)
        .options(joinedload(Finding.unit), joinedload(Finding.item), joinedload(Finding.repeat_of),
                 selectinload(Finding.photos))
        .order_by(Finding.number.is_(None), Finding.number, ChecklistItem.position.is_(None), ChecklistItem.position,
                  Finding.id)).all()


@bp.route("/inspections/<int:inspection_id>")
def for_inspection(inspection_id: int):
    """The inspection's findings: drafts to confirm, edit or dismiss, and those issued."""
    inspection = get_inspection(inspection_id)
    findings = inspection_findings(inspection)
    return render("findings/inspection.html", inspection=inspection, findings=findings,
                  today=clock.local_today(), can_draft=permissions.can_draft_findings(current_user, inspection),
                  can_issue=permissions.can_issue_findings(current_user, inspection),
                  unconfirmed=sum(1 for f in findings if f.status == FindingStatus.DRAFT and not f.confirmed),
                  drafts=sum(1 for f in findings if f.status == FindingStatus.DRAFT),
                  dismiss_form=DismissForm(formdata=None))


@bp.route("/inspections/<int:inspection_id>/propose", methods=["POST"])
def propose(inspection_id: int):
    inspection = get_inspection(inspection_id)
    try:
        made = service.propose_findings(current_user, inspection)
    except NotPermitted:
        abort(403)
    except ValidationFailed as error:
        flash(error.message, "error")
        return redirect(url_for("findings.for_inspection", inspection_id=inspection.id), 303)
    flash(_("%(n)d findings proposed from failed items.", n=made), "success")
    return redirect(url_for("findings.for_inspection", inspection_id=inspection.id), 303)


@bp.route("/inspections/<int:inspection_id>/new", methods=["GET", "POST"])
def new(inspection_id: int):
    """A finding tied to no item."""
    inspection = get_inspection(inspection_id)
    if not permissions.can_draft_findings(current_user, inspection):
        abort(403)
    form = FindingForm(units=service.responsible_unit_choices(inspection))
    if not form.is_submitted():
        form.unit_id.data = inspection.unit_id
        form.severity.data = Severity.MINOR.value
    if form.validate_on_submit():
        values = form.values()
        try:
            finding = service.create_finding(current_user, inspection, **values)
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            flash(_("Finding added."), "success")
            return redirect(url_for("findings.for_inspection", inspection_id=inspection.id,
                                    _anchor=f"finding-{finding.id}"), 303)
    return render("findings/form.html", status=form_status(form), form=form, finding=None, inspection=inspection)


@bp.app_context_processor
def finding_helpers():
    """For pages outside this blueprint (the inspection page): its findings in numbers, on demand."""

    def finding_summary(inspection):
        return service.inspection_counts(current_user, inspection, clock.local_today())

    return {"finding_summary": finding_summary}
