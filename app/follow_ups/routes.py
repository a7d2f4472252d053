"""Follow-up items. Each route makes one check: the item is loaded through what the user may see,
anything else answers 404; what the user may do is then the service's to refuse (403). Posts answer
htmx with the item's fragment and a plain form with a 303 redirect; refused input comes back with 422
and the message beside its field, nothing typed lost."""
import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app import clock
from app.extensions import db
from app.files import posted_files, send_attachment
from app.follow_ups import bp
from app.follow_ups.forms import (
    CommentForm,
    CompletionForm,
    ConfirmForm,
    DismissForm,
    EvaluationForm,
    ReportForm,
    list_filters,
)
from app.forms import apply_error, paginate
from app.htmx import is_htmx, render
from app.models import Attachment, DirectiveTask, FollowUpEventKind, FollowUpItem, FollowUpKind, FollowUpStatus, \
    Outcome, Unit
from app.services import follow_ups as service
from app.services import periods, permissions
from app.services.errors import NotPermitted, ValidationFailed
from app.throttle import uploads


def get_item(follow_up_id: int) -> FollowUpItem:
    item = db.session.scalar(
        permissions.visible_follow_ups(current_user).where(FollowUpItem.id == follow_up_id)
        .options(joinedload(FollowUpItem.unit), joinedload(FollowUpItem.task).joinedload(DirectiveTask.directive))
        .execution_options(populate_existing=True))
    return item or abort(404)


# --- the list ------------------------------------------------------------------------------------

@bp.route("/")
def index():
    """Tasks and remediation items the user may see, overdue first, filtered by the URL."""
    today = clock.local_today()
    filters = list_filters(request.args)
    query = service.filtered_items(current_user, filters, today)
    page = paginate(service.with_list_columns(service.ordered(query, today)))
    units = db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.id.in_(
        permissions.visible_follow_ups(current_user).with_only_columns(FollowUpItem.unit_id))).order_by(Unit.name)).all()
    return render("follow_ups/index.html", "follow_ups/_results.html", page=page, filters=filters, today=today,
                  units=units, counts=service.counts(query, today), kinds=list(FollowUpKind),
                  statuses=list(FollowUpStatus))


# --- one item ------------------------------------------------------------------------------------

def detail_context(item: FollowUpItem, **forms) -> dict:
    rights = permissions.follow_up_rights(current_user, item)
    forms.setdefault("report_form", ReportForm(formdata=None))
    forms.setdefault("completion_form", CompletionForm(formdata=None))
    forms.setdefault("comment_form", CommentForm(formdata=None))
    forms.setdefault("evaluation_form", EvaluationForm(formdata=None, outcome=service.proposed_outcome(item).value))
    forms.setdefault("confirm_form", ConfirmForm(formdata=None, due_date=service.default_remediation_due(item.index_year)
                                                 if item.index_year else None))
    forms.setdefault("dismiss_form", DismissForm(formdata=None))
    period = None
    if item.task is not None and item.task.is_ongoing and item.is_active:
        period = periods.period_label(item.due_date, item.task.cycle)
    return {"item": item, "rights": rights, "events": service.timeline(item), "today": clock.local_today(),
            "period": period, "field_answers": service.latest_answers(item), **forms}


def item_response(item: FollowUpItem, status: int = 200, message: str | None = None, **forms):
    if message:
        flash(message, "success")
    if status == 200 and not is_htmx():
        return redirect(url_for("follow_ups.detail", follow_up_id=item.id), 303)
    db.session.expire_all()  # show the item as committed, not as the refused change left it
    return render("follow_ups/detail.html", "follow_ups/_item.html", status=status,
                  **detail_context(get_item(item.id), **forms))


@bp.route("/<int:follow_up_id>")
def detail(follow_up_id: int):
    return render("follow_ups/detail.html", "follow_ups/_item.html", **detail_context(get_item(follow_up_id)))


def _act(item: FollowUpItem, form, call, message: str, form_name: str):
    """Run a service call for a posted form: 403 when refused, 422 with the message beside its field."""
    if form.validate_on_submit():
        try:
            call()
        except NotPermitted:
            abort(403)
        except ValidationFailed as error:
            db.session.rollback()
            apply_error(form, error)
            for text in form.form_errors:  # shown even when the item no longer offers this form
                flash(text, "error")
        else:
            return item_response(item, message=message)
    return item_response(item, status=422, **{form_name: form})


@bp.route("/<int:follow_up_id>/report", methods=["POST"])
@uploads
def report(follow_up_id: int):
    item = get_item(follow_up_id)
    form = ReportForm()
    return _act(item, form, lambda: service.respond(
        current_user, item, FollowUpEventKind(form.kind.data), form.text.data, posted_files(form.file.name),
        form.numerator.data, form.denominator.data), _("Posted."), "report_form")


@bp.route("/<int:follow_up_id>/complete", methods=["POST"])
@uploads
def complete(follow_up_id: int):
    item = get_item(follow_up_id)
    form = CompletionForm()
    return _act(item, form, lambda: service.complete(
        current_user, item, form.text.data, posted_files(form.file.name), form.numerator.data, form.denominator.data),
        _("Completion reported."), "completion_form")


@bp.route("/<int:follow_up_id>/comment", methods=["POST"])
def comment(follow_up_id: int):
    item = get_item(follow_up_id)
    form = CommentForm()
    return _act(item, form, lambda: service.comment(current_user, item, form.text.data), _("Posted."), "comment_form")


@bp.route("/<int:follow_up_id>/evaluate", methods=["POST"])
def evaluate(follow_up_id: int):
    item = get_item(follow_up_id)
    form = EvaluationForm()
    return _act(item, form, lambda: service.evaluate(current_user, item, Outcome(form.outcome.data), form.reason.data,
                                                     form.close.data), _("Evaluation saved."), "evaluation_form")


@bp.route("/<int:follow_up_id>/confirm", methods=["POST"])
def confirm(follow_up_id: int):
    item = get_item(follow_up_id)
    form = ConfirmForm()
    return _act(item, form, lambda: service.confirm(current_user, item, form.due_date.data),
                _("Confirmed: the unit has it now."), "confirm_form")


@bp.route("/<int:follow_up_id>/dismiss", methods=["POST"])
def dismiss(follow_up_id: int):
    item = get_item(follow_up_id)
    form = DismissForm()
    return _act(item, form, lambda: service.dismiss(current_user, item, form.reason.data), _("Dismissed."),
                "dismiss_form")


def _file_of(item: FollowUpItem, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not service.belongs_to(attachment, item):
        abort(404)
    return attachment


@bp.route("/<int:follow_up_id>/files/<int:attachment_id>")
def file(follow_up_id: int, attachment_id: int):
    return send_attachment(_file_of(get_item(follow_up_id), attachment_id))


@bp.route("/<int:follow_up_id>/files/<int:attachment_id>/thumb")
def thumbnail(follow_up_id: int, attachment_id: int):
    return send_attachment(_file_of(get_item(follow_up_id), attachment_id), thumbnail=True)


@bp.app_context_processor
def follow_up_helpers():
    return {"period_label": periods.period_label}
