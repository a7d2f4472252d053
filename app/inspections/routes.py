from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from app import clock
from app.extensions import db
from app.forms import apply_error, clamp_year, db_int, form_status, paginate
from app.htmx import ANSWER_SAVED, hx_retarget, hx_trigger, is_htmx, render
from app.inspections import bp, drawn, managers_only
from app.inspections.forms import InspectionForm, TransitionForm
from app.inspections.loaders import get_inspection
from app.models import ChecklistSection, ChecklistTemplate, Inspection, InspectionStatus, Unit
from app.models.inspection import FIELD_WORK_DONE
from app.services import answers, permissions, scoring, transitions
from app.services import inspections as service
from app.services.errors import NotPermitted, ValidationFailed



@bp.route("/")
def index():
    """Filter by year, status, unit and text; paginated in SQL. Shareable: the filters are the URL."""
    year = clamp_year(request.args.get("year", type=db_int))
    status = request.args.get("status", "")
    unit_id = request.args.get("unit", type=db_int)
    q = request.args.get("q", "").strip()
    query = service.filtered_inspections(current_user, year, status, unit_id, q).options(joinedload(Inspection.unit))
    page = paginate(query)
    units = db.session.execute(sa.select(Unit.id, Unit.name).where(
        Unit.id.in_(permissions.visible_inspections(current_user).with_only_columns(Inspection.unit_id))
    ).order_by(Unit.name)).all()
    offline_urls = [url_for("inspections.checklist", inspection_id=inspection_id)
                    for inspection_id in db.session.scalars(service.field_work(current_user).with_only_columns(Inspection.id))]
    return render("inspections/index.html", "inspections/_results.html", page=page, year=year, status_filter=status,
                  unit_id=unit_id, q=q, statuses=list(InspectionStatus), units=units,
                  can_create=permissions.is_manager(current_user), offline_urls=offline_urls)


@bp.route("/new", methods=["GET", "POST"])
@managers_only
def new():
    form = InspectionForm()
    if form.validate_on_submit():
        try:
            inspection = service.create_inspection(current_user, form.team(), **form.values())
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            flash(_("Inspection created as a draft."), "success")
            return redirect(url_for("inspections.detail", inspection_id=inspection.id), 303)
    return render("inspections/form.html", status=form_status(form), form=form, inspection=None)


@bp.route("/<int:inspection_id>")
def detail(inspection_id: int):
    inspection = get_inspection(inspection_id)
    results = checklist = None
    if permissions.can_open_checklist(current_user, inspection) and inspection.status not in permissions.EDITABLE:
        checklist = load_checklist(inspection)  # kept referenced while the page renders
        saved = answers.answers_by_item(inspection)
        results = {"progress": answers.progress(inspection, saved),
                   "failed": [item for item in inspection.template.items
                              if scoring.item_result(item, saved.get(item.id)) == scoring.Result.FAIL]}
    return render("inspections/detail.html", inspection=inspection, results=results,
                  checklist=checklist,
                  can_edit=permissions.can_edit_inspection(current_user, inspection),
                  can_open_checklist=permissions.can_open_checklist(current_user, inspection),
                  transitions=service.available_transitions(current_user, inspection),
                  transition_form=TransitionForm(formdata=None))


@bp.route("/<int:inspection_id>/edit", methods=["GET", "POST"])
def edit(inspection_id: int):
    inspection = get_inspection(inspection_id)
    if not permissions.can_edit_inspection(current_user, inspection):
        abort(403)
    form = InspectionForm(obj=inspection, inspection=inspection)
    if form.validate_on_submit():
        try:
            service.update_inspection(current_user, inspection, form.team(), int(form.row_version.data or 0),
                                      **form.values())
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("inspections.detail", inspection_id=inspection.id), 303)
    return render("inspections/form.html", status=form_status(form), form=form, inspection=inspection)


@bp.route("/<int:inspection_id>/<any(schedule, start, review, cancel):action>", methods=["POST"])
def transition(inspection_id: int, action: str):
    inspection = get_inspection(inspection_id)
    form = TransitionForm()
    try:
        transitions.change_state(current_user, inspection, action, form.reason.data or "")
    except NotPermitted:
        abort(403)
    except ValidationFailed as error:
        flash(error.message, "error")
    else:
        flash(_("The inspection is now: %(status)s.", status=inspection.status.label), "success")
    return redirect(url_for("inspections.detail", inspection_id=inspection.id), 303)


@bp.route("/plan")
def plan():
    """The annual plan: the year's inspections by month of their planned start, and which are done."""
    year = clamp_year(request.args.get("year", type=db_int)) or clock.local_today().year
    inspections = db.session.scalars(
        permissions.visible_inspections(current_user)
        .where(Inspection.planned_start.between(date(year, 1, 1), date(year, 12, 31)))
        .options(joinedload(Inspection.unit))
        .order_by(Inspection.planned_start)
    ).all()
    months = defaultdict(list)
    for inspection in inspections:
        months[inspection.planned_start.month].append(inspection)
    summary = {
        "planned": sum(1 for i in inspections if i.status != InspectionStatus.CANCELLED),
        "done": sum(1 for i in inspections if i.status in FIELD_WORK_DONE),
    }
    return render("inspections/plan.html", year=year, months=months, summary=summary, done=FIELD_WORK_DONE)


# --- the checklist on a tablet ------------------------------------------------------------------------

def get_checklist(inspection_id: int, *loading) -> Inspection:
    """An inspection whose checklist the user may open, with its team's roles (and what `loading` asks for)."""
    inspection = get_inspection(inspection_id, joinedload(Inspection.members), *loading)
    if not permissions.can_open_checklist(current_user, inspection):
        abort(403)
    return inspection


def load_checklist(inspection: Inspection) -> ChecklistTemplate:
    """The checklist version with its sections and items in three queries. The caller keeps the returned
    object: the session only holds loaded objects weakly, and a commit expires them."""
    return db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.id == inspection.template_id).options(
        selectinload(ChecklistTemplate.sections).selectinload(ChecklistSection.items)
    ).execution_options(populate_existing=True))


def checklist_context(inspection: Inspection, with_history: bool = True) -> dict:
    """What the checklist templates show; a save's answer (without cards) skips last time's answers."""
    template = load_checklist(inspection)
    saved = answers.answers_by_item(inspection)
    previous = answers.previous_answers(inspection) if with_history else {}
    return {"inspection": inspection, "checklist": template, "answers": saved, "previous": previous,
            "progress": answers.progress(inspection, saved), "can_answer": permissions.can_answer(current_user, inspection),
            "next_item": answers.next_open_item(inspection, saved), "drafts": {}, "errors": {}, "conflicts": {}}


@bp.route("/<int:inspection_id>/checklist")
def checklist(inspection_id: int):
    """The checklist as the team fills it: one card per item, each answer saving itself (htmx), or one
    form per section with a save button without JavaScript."""
    inspection = get_checklist(inspection_id, joinedload(Inspection.unit), joinedload(Inspection.template))
    can_answer = permissions.can_answer(current_user, inspection)
    page = render("inspections/checklist.html", inspection=inspection, can_answer=can_answer,
                  sections=drawn.SECTIONS_SLOT)
    return drawn.fill_sections(page, inspection, can_answer, lambda **slots: render_template(
        "inspections/_sections.html", **checklist_context(inspection) | slots))


def posted_answer(item_id: int) -> tuple[dict, int, str | None, str | None]:
    """An item's fields from the posted form: values, the row version shown, the tablet's save id and
    the id of its previous save of the item."""
    prefix = f"a{item_id}-"
    raw = {name: request.form.get(prefix + name) for name in answers.FIELDS}
    return (raw, request.form.get(prefix + "version", 0, type=db_int), request.form.get(prefix + "save") or None,
            request.form.get(prefix + "base") or None)


@bp.route("/<int:inspection_id>/answers/<int:item_id>", methods=["POST"])
def save_answer(inspection_id: int, item_id: int):
    """Autosave of one answer (htmx). Answers the item's save state only and announces answerSaved, so
    the progress panel refreshes itself once after a burst of saves; a conflict (409) redraws the card
    with both values, an invalid value (422) with its message."""
    raw, version, save_id, base = posted_answer(item_id)
    # The reply is drawn from what the save wrote, and names the user: keep the user loaded after the
    # commit instead of reading it again on the busiest route of the app.
    db.session().expire_on_commit = False
    try:
        saved = answers.save_answer(current_user, inspection_id, item_id, raw, version, save_id, base)
    except NotPermitted:
        # The save checks the team, the state and the item in one query; who may see what (404)
        # and who may open this checklist (403) are decided as everywhere else.
        inspection = get_checklist(inspection_id)
        answers.item_of(inspection, item_id) or abort(404)
        abort(403)
    except answers.StaleAnswer as conflict:
        return card_response(inspection_id, item_id, 409, conflicts={item_id: conflict.current}, drafts={item_id: raw})
    except ValidationFailed as error:
        return card_response(inspection_id, item_id, 422, drafts={item_id: raw}, errors={item_id: error.message})
    if not is_htmx():  # without JavaScript the section form saves; this is only a fallback
        return redirect(url_for("inspections.checklist", inspection_id=inspection_id, _anchor=f"item-{item_id}"), 303)
    response = render("inspections/_saved.html", item=saved.item, answers={item_id: saved})
    return hx_trigger(response, ANSWER_SAVED)


@bp.route("/<int:inspection_id>/progress")
def progress(inspection_id: int):
    """The progress panel (htmx, after answerSaved); a plain request gets the checklist."""
    inspection = get_checklist(inspection_id)
    if not is_htmx():
        return redirect(url_for("inspections.checklist", inspection_id=inspection.id))
    return render("inspections/_progress.html", **checklist_context(inspection, with_history=False))


@bp.route("/<int:inspection_id>/answers/<int:item_id>")
def answer_card(inspection_id: int, item_id: int):
    """One item's card as saved (after a conflict, "use the saved answer"); a plain request gets the page."""
    inspection = get_checklist(inspection_id)
    item = answers.item_of(inspection, item_id) or abort(404)
    if not is_htmx():
        return redirect(url_for("inspections.checklist", inspection_id=inspection.id, _anchor=f"item-{item.id}"))
    return render("inspections/checklist.html", "inspections/_item_card.html",
                  **checklist_context(inspection) | {"item": item, "section": item.section})


def card_response(inspection_id: int, item_id: int, status: int, **extra):
    """The whole card again (HX-Retarget), for a refused save: nothing the user typed is dropped."""
    inspection = get_checklist(inspection_id)
    item = answers.item_of(inspection, item_id) or abort(404)
    context = checklist_context(inspection) | extra | {"item": item, "section": item.section}
    response = render("inspections/checklist.html", "inspections/_item_card.html", status=status, **context)
    return hx_retarget(response, f"#item-{item.id}")


@bp.route("/<int:inspection_id>/sections/<int:section_id>/answers", methods=["POST"])
def save_section(inspection_id: int, section_id: int):
    """Without JavaScript: the section's form saves every item whose values changed."""
    inspection = get_checklist(inspection_id)
    section = db.session.get(ChecklistSection, section_id)
    if section is None or section.template_id != inspection.template_id:
        abort(404)
    drafts, errors, conflicts, count = {}, {}, {}, 0
    for item in section.items:
        raw, version, save_id, base = posted_answer(item.id)
        # Untouched cards are skipped: what was posted is what the card was drawn with. Comparing with
        # the database instead would clear a colleague's newer answer with our empty, untouched card.
        if answers.fingerprint(raw) == request.form.get(f"a{item.id}-was", ""):
            continue
        try:
            answers.save_answer(current_user, inspection.id, item.id, raw, version, save_id, base)
            count += 1
        except NotPermitted:
            abort(403)
        except answers.StaleAnswer as conflict:
            drafts[item.id], conflicts[item.id] = raw, conflict.current
        except ValidationFailed as error:
            drafts[item.id], errors[item.id] = raw, error.message
    if errors or conflicts:
        return render("inspections/checklist.html", status=409 if conflicts else 422,
                      **checklist_context(inspection) | {"drafts": drafts, "errors": errors, "conflicts": conflicts})
    flash(_("%(n)d answers saved.", n=count), "success")
    return redirect(url_for("inspections.checklist", inspection_id=inspection.id, _anchor=f"section-{section.id}"), 303)


@bp.context_processor
def answer_display():
    """What the checklist templates need to show an answer; the rules themselves live in the services."""

    def result_of(item, answer):
        result = scoring.item_result(item, answer) if answer is not None else None
        return result.value if result else None

    def rate_of(answer):
        try:
            return scoring.percent_rate(answer.numerator, answer.denominator)
        except (TypeError, ValueError):
            return None

    def answer_values(answer, draft):
        if draft:
            return {field: draft.get(field) or "" for field in answers.FIELDS}
        return {field: "" if answer is None or getattr(answer, field) is None else str(getattr(answer, field))
                for field in answers.FIELDS}

    def summary_of(item, answer):
        parts = [RESULT_LABELS.get(result_of(item, answer)) or "", answer.value or ""]
        if answer.numerator is not None and answer.denominator is not None:
            parts.append(f"{answer.numerator}/{answer.denominator}")
        return " · ".join(str(part) for part in parts if part) or "—"

    return {"result_of": result_of, "rate_of": rate_of, "answer_values": answer_values, "summary_of": summary_of,
            "fingerprint": answers.fingerprint,
            "result_labels": RESULT_LABELS, "evidence_missing": answers.evidence_missing,
            "is_done": answers.is_done}


RESULT_LABELS = {"pass": _l("Pass"), "fail": _l("Fail"), "na": _l("N/A")}
