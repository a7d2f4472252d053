"""Findings and their follow-up: drafts, issuing, the remediation thread,
verification, deadlines, repeat findings and reminders.

A finding's state changes only here (DESIGN.md §3): each function checks the actor's right, appends
the timeline event, writes the audit event and the notifications, and commits them together.

    draft → open → in_progress → submitted → closed
                                 submitted → reopened → in_progress
    draft → dismissed (with a reason; a dismissed draft can be restored while the inspection is open)

*Overdue* is computed from the due date in Vietnamese calendar days, never stored. Who may see
and do what is app.services.permissions'.
"""
from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from app import clock, formatting
from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
    ISSUED_STATUSES,
    Answer,
    Attachment,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Finding,
    FindingEvent,
    FindingEventKind,
    FindingStatus,
    Inspection,
    InspectionStatus,
    Severity,
    Unit,
    User,
)
from app.models.base import utcnow
from app.services import audit, deadlines, evidence, notifications, scoring
from app.services import inspections as inspection_service
from app.services.answers import answers_by_item
from app.services.deadlines import unit_heads
from app.services.errors import NotPermitted, ValidationFailed
from app.services.permissions import (
    can_comment,
    can_draft_findings,
    can_edit_finding,
    can_extend,
    can_issue_findings,
    can_reassign,
    can_respond,
    can_submit,
    can_verify,
    visible_findings,
)
from app.services.transactions import commit_or_stale

FIELDS = ("title", "description", "legal_basis", "severity", "recommendation", "unit_id", "due_date")
RESPONSES = (FindingEventKind.COMMENT, FindingEventKind.PLAN, FindingEventKind.PROGRESS)
MAX_TEXT = 5000


# --- dates ---------------------------------------------------------------------------------------



def due_days(severity: Severity) -> int:
    return int(current_app.config["FINDING_DUE_DAYS"][severity.value])


def proposed_due_date(severity: Severity, start: date | None = None) -> date:
    """The due date proposed for a finding of this severity: start (today) + the configured days."""
    return (start or clock.local_today()) + timedelta(days=due_days(severity))


def overdue_clause(today: date):
    """SQL: issued, not closed, and the due date has passed."""
    return deadlines.overdue_clause(Finding, ACTIVE_STATUSES, today)


# --- helpers -------------------------------------------------------------------------------------

def label(finding: Finding) -> str:
    return finding.label


def link(finding: Finding) -> notifications.Link:
    """The finding's page, for a notification."""
    return notifications.Link("findings.detail", {"finding_id": finding.id})


def _verifiers(finding: Finding) -> list[User]:
    lead = finding.inspection.lead
    return [lead] if lead is not None and lead.active else []


def _notify(users: Iterable[User], text: str, target: notifications.Link) -> None:
    notifications.notify(users, text, target)  # adds rows to the caller's transaction, never commits


def _clean(text: str | None) -> str:
    return (text or "").strip()


def _require(field: str, text: str, message: str) -> str:
    text = _clean(text)
    if not text:
        raise ValidationFailed(field, message)
    if len(text) > MAX_TEXT:
        raise ValidationFailed(field, _("At most %(n)d characters.", n=MAX_TEXT))
    return text


def _commit() -> None:
    commit_or_stale(_("Someone else changed this finding meanwhile. Reload the page and try again."))


def _event(actor: User | None, finding: Finding, kind: FindingEventKind, text: str = "", **fields) -> FindingEvent:
    event = FindingEvent(kind=kind, text=text, author_id=actor.id if actor else None, at=utcnow(), **fields)
    finding.events.append(event)
    return event


def _set_status(actor: User | None, finding: Finding, status: FindingStatus, action: str, extra: dict | None = None):
    before = finding.status
    finding.status = status
    finding.updated_at = utcnow()
    changes = {"status": [before.value, status.value]} if before != status else {}
    audit.record(actor, action, finding, label(finding), changes | (extra or {}))


def _responsible_units(inspection: Inspection) -> set[int]:
    """The inspected unit and its sub-units: who a finding may be addressed to."""
    tree = sa.select(Unit.id).where(Unit.id == inspection.unit_id).cte("responsible", recursive=True)
    tree = tree.union(sa.select(Unit.id).where(Unit.parent_id == tree.c.id))
    with db.session.no_autoflush:
        return set(db.session.scalars(sa.select(tree.c.id)))


def responsible_unit_choices(inspection: Inspection) -> list[tuple[int, str]]:
    ids = _responsible_units(inspection)
    return list(db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.id.in_(ids), Unit.active)
                                   .order_by(Unit.id != inspection.unit_id, Unit.name)))


def _validate(finding: Finding) -> None:
    problems = []
    finding.title = _clean(finding.title)
    if not finding.title:
        problems.append(("title", _("Give the finding a title.")))
    if finding.unit_id not in _responsible_units(finding.inspection):
        problems.append(("unit_id", _("The responsible unit is the inspected unit or one of its sub-units.")))
    if finding.due_date is not None and finding.due_date < clock.local_today() and finding.status == FindingStatus.DRAFT:
        problems.append(("due_date", _("The due date is in the past.")))
    if problems:
        raise ValidationFailed(*problems[0], problems=problems)


# --- repeat findings -----------------------------------------------------------------------------

def earlier_finding(inspection: Inspection, item: ChecklistItem) -> Finding | None:
    """The latest issued finding that the same item (same code, any version of the same checklist)
    produced at the same unit in an earlier inspection."""
    if not item.code:
        return None
    family = sa.select(ChecklistTemplate.family).where(ChecklistTemplate.id == inspection.template_id)
    return db.session.scalar(
        sa.select(Finding)
        .join(Inspection, Finding.inspection_id == Inspection.id)
        .join(ChecklistItem, Finding.item_id == ChecklistItem.id)
        .join(ChecklistSection, ChecklistItem.section_id == ChecklistSection.id)
        .join(ChecklistTemplate, ChecklistSection.template_id == ChecklistTemplate.id)
        .where(Inspection.unit_id == inspection.unit_id, Inspection.id != inspection.id,
               Inspection.planned_start <= inspection.planned_start,
               ChecklistItem.code == item.code, ChecklistTemplate.family == family.scalar_subquery(),
               Finding.status.in_(ISSUED_STATUSES))
        .order_by(Inspection.planned_start.desc(), Finding.id.desc())
        .limit(1)
    )


# --- drafts --------------------------------------------------------------------------------------

def _proposal(actor: User, inspection: Inspection, item: ChecklistItem, note: str) -> Finding:
    finding = Finding(inspection=inspection, item_id=item.id, unit_id=inspection.unit_id, status=FindingStatus.DRAFT,
                      title=item.question[:255], description=note, legal_basis=item.legal_basis or "",
                      severity=item.default_severity or Severity.MINOR, recommendation="",
                      due_date=proposed_due_date(item.default_severity or Severity.MINOR),
                      confirmed=False, created_by_id=actor.id)
    finding.repeat_of = earlier_finding(inspection, item)
    return finding


def propose_findings(actor: User, inspection: Inspection, commit: bool = True) -> int:
    """Make one draft proposal per failed item that has no finding yet, and drop untouched proposals
    whose item no longer fails. Returns how many proposals were made."""
    if not can_draft_findings(actor, inspection):
        raise NotPermitted(_("Only the team adds findings, before the inspection is concluded."))
    inspection_service.claim(inspection)  # of two runs at once, the second proposes nothing twice
    saved = answers_by_item(inspection)
    failing = {item.id: item for item in inspection.template.items
               if scoring.item_result(item, saved.get(item.id)) == scoring.Result.FAIL}
    existing = db.session.scalars(sa.select(Finding).where(Finding.inspection_id == inspection.id,
                                                           Finding.item_id.is_not(None))).all()
    covered = {f.item_id for f in existing}
    for finding in existing:
        if finding.item_id not in failing and finding.status == FindingStatus.DRAFT and not finding.confirmed \
                and finding.row_version == 1 and not finding.photos:
            audit.record(actor, "delete", finding, label(finding), {"reason": [None, "item no longer fails"]})
            db.session.delete(finding)
    made = 0
    for item_id, item in failing.items():
        if item_id in covered:
            continue
        finding = _proposal(actor, inspection, item, saved[item_id].note or "")
        db.session.add(finding)
        db.session.flush()
        audit.record(actor, "propose", finding, label(finding), audit.diff({}, audit.snapshot(finding, FIELDS)))
        made += 1
    if commit:
        db.session.commit()
    return made


def create_finding(actor: User, inspection: Inspection, **fields) -> Finding:
    """A finding the team adds, tied to no item; confirmed as it is made."""
    if not can_draft_findings(actor, inspection):
        raise NotPermitted(_("Only the team adds findings, before the inspection is concluded."))
    finding = Finding(inspection=inspection, status=FindingStatus.DRAFT, confirmed=True, created_by_id=actor.id, **fields)
    if finding.due_date is None:
        finding.due_date = proposed_due_date(finding.severity)
    _validate(finding)
    db.session.add(finding)
    db.session.flush()
    audit.record(actor, "create", finding, label(finding), audit.diff({}, audit.snapshot(finding, FIELDS)))
    db.session.commit()
    return finding


def update_finding(actor: User, finding: Finding, row_version: int, confirm: bool = True, **fields) -> Finding:
    """Edit a draft (and confirm it). A due date left as proposed follows a change of severity."""
    if not can_edit_finding(actor, finding) or finding.status != FindingStatus.DRAFT:
        raise NotPermitted(_("Only a draft finding can be edited, by the team."))
    if row_version != finding.row_version:
        raise ValidationFailed(None, _("Someone else changed this finding meanwhile. Reload the page and try "
                                       "again."))
    before = audit.snapshot(finding, FIELDS + ("confirmed",))
    old_proposal = proposed_due_date(finding.severity, (finding.created_at or utcnow()).date())
    if fields.get("due_date") is None:
        fields["due_date"] = proposed_due_date(fields.get("severity", finding.severity))
    elif (fields.get("severity") not in (None, finding.severity) and fields["due_date"] in (old_proposal,
                                                                                              finding.due_date)):
        fields["due_date"] = proposed_due_date(fields["severity"])
    for name, value in fields.items():
        setattr(finding, name, value)
    if confirm:
        finding.confirmed = True
    try:
        _validate(finding)
    except ValidationFailed:
        db.session.rollback()
        raise
    changes = audit.diff(before, audit.snapshot(finding, FIELDS + ("confirmed",)))
    if changes:
        finding.updated_at = utcnow()
        audit.record(actor, "update", finding, label(finding), changes)
    _commit()
    return finding


def dismiss_finding(actor: User, finding: Finding, reason: str) -> Finding:
    if not can_edit_finding(actor, finding) or finding.status != FindingStatus.DRAFT:
        raise NotPermitted(_("Only a draft finding can be dismissed, by the team."))
    reason = _require("reason", reason, _("Give the reason for dismissing this finding."))
    finding.dismiss_reason = reason
    _set_status(actor, finding, FindingStatus.DISMISSED, "dismiss", {"reason": [None, reason]})
    _commit()
    return finding


def restore_finding(actor: User, finding: Finding) -> Finding:
    """A dismissed draft back to the drafts (the team changed its mind before issuing)."""
    if not can_edit_finding(actor, finding) or finding.status != FindingStatus.DISMISSED:
        raise NotPermitted(_("Only a dismissed draft can be restored, by the team."))
    finding.dismiss_reason = ""
    _set_status(actor, finding, FindingStatus.DRAFT, "restore")
    _commit()
    return finding


def add_photos(actor: User, finding: Finding, files: list[tuple[str, bytes]]) -> list[Attachment]:
    """The team's photos of a draft finding (evidence of the violation)."""
    if not can_edit_finding(actor, finding):
        raise NotPermitted(_("Only a draft finding can be edited, by the team."))
    attachments = evidence.attach_files(actor, evidence.prepare_files(files), finding_id=finding.id)
    _commit()
    return attachments


def remove_photo(actor: User, finding: Finding, attachment: Attachment) -> None:
    if attachment.finding_id != finding.id or not can_edit_finding(actor, finding):
        raise NotPermitted(_("Only a draft finding can be edited, by the team."))
    evidence.remove_attachment(actor, attachment)


# --- issuing -------------------------------------------------------------------------------------

def issue_findings(actor: User, inspection: Inspection, commit: bool = True) -> int:
    """Issue the findings with the conclusion notice (app.services.documents.finalise_document, which
    passes commit=False and commits them with the notice): every confirmed draft is numbered, opened
    and sent to its unit; the inspection is concluded (and closed at once when it has nothing to
    follow up). Returns how many findings were issued."""
    if not can_issue_findings(actor, inspection):
        raise NotPermitted(_("Only a leader issues findings, with the conclusion notice once the minutes are "
                             "signed."))
    drafts = db.session.scalars(
        sa.select(Finding).outerjoin(ChecklistItem, Finding.item_id == ChecklistItem.id)
        .outerjoin(ChecklistSection, ChecklistItem.section_id == ChecklistSection.id)
        .where(Finding.inspection_id == inspection.id, Finding.status == FindingStatus.DRAFT)
        .order_by(ChecklistSection.position.is_(None), ChecklistSection.position, ChecklistItem.position, Finding.id)
    ).all()
    unconfirmed = [f for f in drafts if not f.confirmed]
    if unconfirmed:
        raise ValidationFailed(None, _("%(n)d proposed findings are neither confirmed nor dismissed yet.",
                                       n=len(unconfirmed)))
    if any(not f.recommendation.strip() for f in drafts):
        raise ValidationFailed(None, _("Every finding needs a recommendation before it is issued."))
    today = clock.local_today()
    taken = db.session.scalar(sa.select(sa.func.max(Finding.number)).where(Finding.inspection_id == inspection.id))
    year = (inspection.decision_date or inspection.planned_start).year
    number = taken or 0
    now = utcnow()
    by_unit: dict[int, list[Finding]] = {}
    for finding in drafts:
        number += 1
        finding.number = number
        finding.code = f"KT-{year}-{inspection.id:03d}/{number:02d}"
        if finding.due_date is None or finding.due_date < today:
            finding.due_date = proposed_due_date(finding.severity, today)
        finding.issued_at = now
        _set_status(actor, finding, FindingStatus.OPEN, "issue", {"code": [None, finding.code],
                                                      "due_date": [None, finding.due_date.isoformat()]})
        _event(actor, finding, FindingEventKind.ISSUED, new_due_date=finding.due_date, to_unit_id=finding.unit_id)
        by_unit.setdefault(finding.unit_id, []).append(finding)
    db.session.flush()
    for unit_id, issued in by_unit.items():
        heads = unit_heads(unit_id)
        for finding in issued:
            _notify(heads, _("New finding %(code)s for your unit, due %(date)s: %(title)s",
                                           code=finding.code, date=formatting.day_text(finding.due_date),
                                           title=finding.title), link(finding))
    inspection_service.move_state(actor, inspection, InspectionStatus.CONCLUDED, "conclude",
                                  {"findings": [None, len(drafts)]})
    if not drafts:
        inspection_service.move_state(actor, inspection, InspectionStatus.CLOSED, "close")
    if not commit:
        return len(drafts)
    try:
        db.session.commit()
    except (StaleDataError, sa.exc.IntegrityError):
        db.session.rollback()
        raise ValidationFailed(None, _("Someone else changed this inspection meanwhile. Reload the page and try "
                                       "again.")) from None
    return len(drafts)


# --- the unit's side -----------------------------------------------------------------------------

def _evidence_count(finding: Finding) -> int:
    return db.session.scalar(sa.select(sa.func.count(Attachment.id)).join(
        FindingEvent, Attachment.finding_event_id == FindingEvent.id).where(FindingEvent.finding_id == finding.id))


def respond(actor: User, finding: Finding, kind: FindingEventKind, text: str,
            files: list[tuple[str, bytes]] = ()) -> FindingEvent:
    """A remediation plan, a progress report (both move an open or sent-back finding to in progress)
    or a comment, with its files."""
    if kind not in RESPONSES:
        raise ValidationFailed("kind", _("Choose a plan, a progress report or a comment."))
    if kind == FindingEventKind.COMMENT:
        if not can_comment(actor, finding):
            raise NotPermitted(_("You may not comment on this finding."))
    elif not can_respond(actor, finding):
        raise NotPermitted(_("Only the responsible unit reports on an open finding."))
    text = _require("text", text, _("Write what was done or planned.") if kind != FindingEventKind.COMMENT
                    else _("Write the comment."))
    prepared = evidence.prepare_files(list(files)) if files else []
    event = _event(actor, finding, kind, text)
    db.session.flush()
    evidence.attach_files(actor, prepared, finding_event_id=event.id)
    if kind != FindingEventKind.COMMENT and finding.status in (FindingStatus.OPEN, FindingStatus.REOPENED):
        _set_status(actor, finding, FindingStatus.IN_PROGRESS, kind.value)
    else:
        finding.updated_at = utcnow()  # the row version guards the thread against a concurrent state change
        audit.record(actor, kind.value, finding, label(finding), {"event": [None, event.id]})
    _commit()
    return event


def submit_finding(actor: User, finding: Finding, text: str, files: list[tuple[str, bytes]] = (),
                   no_evidence_reason: str = "") -> FindingEvent:
    """Submit for verification: needs at least one evidence file (earlier or now) or a reason why
    there is none."""
    if not can_submit(actor, finding):
        raise NotPermitted(_("Only the responsible unit submits a finding it is working on."))
    reason = _clean(no_evidence_reason)
    if not files and not _evidence_count(finding) and not reason:
        raise ValidationFailed("no_evidence_reason", _("Attach at least one evidence file, or explain why there "
                                                       "is none."))
    prepared = evidence.prepare_files(list(files)) if files else []
    event = _event(actor, finding, FindingEventKind.SUBMITTED, _clean(text)[:MAX_TEXT], no_evidence_reason=reason[:MAX_TEXT])
    db.session.flush()
    evidence.attach_files(actor, prepared, finding_event_id=event.id)
    _set_status(actor, finding, FindingStatus.SUBMITTED, "submit")
    _notify(_verifiers(finding), _("Finding %(code)s was submitted for verification by %(unit)s.",
                                   code=finding.code, unit=finding.unit.name), link(finding))
    _commit()
    return event


# --- verification and deadlines ------------------------------------------------------------------

def accept_finding(actor: User, finding: Finding, text: str = "") -> FindingEvent:
    """The remediation is accepted: the finding closes; the inspection closes with its last finding."""
    if not can_verify(actor, finding):
        raise NotPermitted(_("Only the team leader or a leader verifies a submitted finding."))
    event = _event(actor, finding, FindingEventKind.ACCEPTED, _clean(text)[:MAX_TEXT])
    finding.closed_at = utcnow()
    finding.closed_by_id = actor.id
    _set_status(actor, finding, FindingStatus.CLOSED, "accept")
    db.session.flush()
    _close_inspection_when_done(actor, finding.inspection)
    _commit()
    return event


def _close_inspection_when_done(actor: User, inspection: Inspection) -> None:
    if inspection.status != InspectionStatus.CONCLUDED:
        return
    # Two last findings accepted at once on PostgreSQL: each would count the other as still open and
    # neither would close the inspection. The row lock makes the second count after the first commits.
    db.session.execute(sa.select(Inspection.id).where(Inspection.id == inspection.id).with_for_update())
    left = db.session.scalar(sa.select(sa.func.count(Finding.id)).where(
        Finding.inspection_id == inspection.id, Finding.status.in_(ACTIVE_STATUSES)))
    if not left:
        inspection_service.move_state(actor, inspection, InspectionStatus.CLOSED, "close")


def reject_finding(actor: User, finding: Finding, reason: str) -> FindingEvent:
    """Sent back with a reason: the finding reopens for the unit."""
    if not can_verify(actor, finding):
        raise NotPermitted(_("Only the team leader or a leader verifies a submitted finding."))
    reason = _require("reason", reason, _("Give the reason for sending it back."))
    event = _event(actor, finding, FindingEventKind.REJECTED, reason)
    _set_status(actor, finding, FindingStatus.REOPENED, "reject", {"reason": [None, reason]})
    _notify(unit_heads(finding.unit_id), _("Finding %(code)s was sent back: %(reason)s", code=finding.code,
                                           reason=reason), link(finding))
    _commit()
    return event


def extend_due_date(actor: User, finding: Finding, new_due_date: date | None, reason: str) -> FindingEvent:
    if not can_extend(actor, finding):
        raise NotPermitted(_("Only a leader extends the due date of an open finding."))
    if new_due_date is None:
        raise ValidationFailed("new_due_date", _("Choose the new due date."))
    if finding.due_date is not None and new_due_date <= finding.due_date:
        raise ValidationFailed("new_due_date", _("The new due date must be after the current one (%(date)s).",
                                                 date=formatting.day_text(finding.due_date)))
    reason = _require("reason", reason, _("Give the reason for the extension."))
    event = _event(actor, finding, FindingEventKind.EXTENDED, reason, previous_due_date=finding.due_date, new_due_date=new_due_date)
    before = finding.due_date
    finding.due_date = new_due_date
    finding.updated_at = utcnow()
    audit.record(actor, "extend", finding, label(finding), {
        "due_date": [before.isoformat() if before else None, new_due_date.isoformat()], "reason": [None, reason]})
    _notify(unit_heads(finding.unit_id), _("The due date of finding %(code)s is now %(date)s.", code=finding.code,
                                           date=formatting.day_text(new_due_date)), link(finding))
    _commit()
    return event


def reassign_finding(actor: User, finding: Finding, unit: Unit | None, reason: str) -> FindingEvent:
    """Another unit becomes responsible (the inspected unit or any active unit the leader chooses)."""
    if not can_reassign(actor, finding):
        raise NotPermitted(_("Only a leader changes the responsible unit of an open finding."))
    if unit is None or not unit.active:
        raise ValidationFailed("unit_id", _("Choose an active unit."))
    if unit.id == finding.unit_id:
        raise ValidationFailed("unit_id", _("This unit is already responsible."))
    reason = _require("reason", reason, _("Give the reason for the change."))
    event = _event(actor, finding, FindingEventKind.REASSIGNED, reason, from_unit_id=finding.unit_id, to_unit_id=unit.id)
    audit.record(actor, "reassign", finding, label(finding), {"unit_id": [finding.unit_id, unit.id],
                                                               "reason": [None, reason]})
    finding.unit_id = unit.id
    finding.updated_at = utcnow()
    _notify(unit_heads(unit.id), _("Finding %(code)s is now your unit's, due %(date)s: %(title)s", code=finding.code,
                                   date=formatting.day_text(finding.due_date) if finding.due_date else "—",
                                   title=finding.title), link(finding))
    _commit()
    return event


def move_to_successor(actor: User | None, unit: Unit, successor: Unit) -> int:
    """A unit succeeded by another: its open findings (and drafts) move to the successor, each with an
    event that says so. Adds to the caller's transaction (app.services.units.succeed_unit) without
    committing. Returns how many moved."""
    moving = db.session.scalars(sa.select(Finding).where(
        Finding.unit_id == unit.id, Finding.status.in_(ACTIVE_STATUSES + (FindingStatus.DRAFT,)))).all()
    text = _("%(old)s was succeeded by %(new)s.", old=unit.name, new=successor.name)
    for finding in moving:
        if finding.status != FindingStatus.DRAFT:
            _event(actor, finding, FindingEventKind.MOVED, text, from_unit_id=unit.id, to_unit_id=successor.id)
        audit.record(actor, "move", finding, label(finding), {"unit_id": [unit.id, successor.id]})
        finding.unit_id = successor.id
        finding.updated_at = utcnow()
    issued = [f for f in moving if f.status != FindingStatus.DRAFT]
    if issued:
        _notify(unit_heads(successor.id), _("%(n)d open findings of %(old)s are now your unit's.", n=len(issued),
                                            old=unit.name), notifications.Link("findings.index", {"unit": successor.id}))
    return len(moving)


# --- reminders -----------------------------------------------------------------------------------

def remind_deadlines(today: date) -> int:
    """"Due in N days" and "overdue" notifications to the responsible unit's heads, at most once per
    finding, kind and due date (an extension re-arms them). Commits; returns how many findings were
    reminded. Called by `flask send-reminders`."""
    def send(finding: Finding, overdue: bool) -> None:
        text = (_("Finding %(code)s is overdue since %(date)s.", code=finding.code, date=formatting.day_text(finding.due_date))
                if overdue else _("Finding %(code)s is due on %(date)s.", code=finding.code,
                                  date=formatting.day_text(finding.due_date)))
        _notify(unit_heads(finding.unit_id), text, link(finding))

    count = deadlines.remind(Finding, ACTIVE_STATUSES, today, send)
    db.session.commit()
    return count


# --- reading -------------------------------------------------------------------------------------

def timeline(finding: Finding) -> list[FindingEvent]:
    """The finding's events with their authors, units and files, in three queries."""
    return list(db.session.scalars(
        sa.select(FindingEvent).where(FindingEvent.finding_id == finding.id)
        .options(sa.orm.joinedload(FindingEvent.author), sa.orm.joinedload(FindingEvent.from_unit),
                 sa.orm.joinedload(FindingEvent.to_unit), sa.orm.selectinload(FindingEvent.attachments))
        .order_by(FindingEvent.id)))


def files_of(finding: Finding) -> list[Attachment]:
    """Every file of a finding: its item's answer's photos, its own photos and its events' files."""
    return files_by_finding([finding.id]).get(finding.id, [])


def files_by_finding(finding_ids: Iterable[int]) -> dict[int, list[Attachment]]:
    """Every file of each of the findings (as files_of), by finding id, in one query."""
    finding_ids = list(finding_ids)
    own = sa.select(Attachment.finding_id, Attachment.id).where(Attachment.finding_id.in_(finding_ids))
    followed_up = (sa.select(FindingEvent.finding_id, Attachment.id)
                   .join(Attachment, Attachment.finding_event_id == FindingEvent.id)
                   .where(FindingEvent.finding_id.in_(finding_ids)))
    answered = (sa.select(Finding.id, Attachment.id)
                .join(Answer, sa.and_(Answer.inspection_id == Finding.inspection_id, Answer.item_id == Finding.item_id))
                .join(Attachment, Attachment.answer_id == Answer.id)
                .where(Finding.id.in_(finding_ids)))
    links = sa.union(own, followed_up, answered).subquery()
    finding_id, attachment_id = links.c
    files: dict[int, list[Attachment]] = {}
    for owner, attachment in db.session.execute(
            sa.select(finding_id, Attachment).join(Attachment, Attachment.id == attachment_id)
            .order_by(finding_id, Attachment.id)):
        files.setdefault(owner, []).append(attachment)
    return files


def inspection_files(user: User, inspection: Inspection) -> list[tuple[Finding, list[Attachment]]]:
    """The inspection's findings the user may see (not dismissed), in number order, each with its files:
    two queries."""
    shown = db.session.scalars(visible_findings(user).where(
        Finding.inspection_id == inspection.id, Finding.status != FindingStatus.DISMISSED)
        .order_by(Finding.number, Finding.id)).all()
    files = files_by_finding(finding.id for finding in shown)
    return [(finding, files.get(finding.id, [])) for finding in shown]


def belongs_to(attachment: Attachment, finding: Finding) -> bool:
    return attachment.id in {a.id for a in files_of(finding)}


def inspection_counts(user: User, inspection: Inspection, today: date) -> dict[str, int]:
    """Open, overdue, due soon and closed among the inspection's findings the user may see."""
    return counts(visible_findings(user).where(Finding.inspection_id == inspection.id), today)


def counts(query: sa.Select, today: date) -> dict[str, int]:
    """Open, overdue, due soon and closed among the findings of `query`, in one query."""
    sub = query.with_only_columns(Finding.id, Finding.status, Finding.due_date).subquery()
    active = sub.c.status.in_([s.value for s in ACTIVE_STATUSES])
    days = current_app.config["FINDING_DUE_SOON_DAYS"]
    row = db.session.execute(sa.select(
        sa.func.count().filter(active),
        sa.func.count().filter(active, sub.c.due_date < today),
        sa.func.count().filter(active, sub.c.due_date.between(today, today + timedelta(days=days))),
        sa.func.count().filter(sub.c.status == FindingStatus.CLOSED.value),
        sa.func.count().filter(sub.c.status == FindingStatus.DRAFT.value),
    )).one()
    return dict(zip(("open", "overdue", "due_soon", "closed", "draft"), row))
