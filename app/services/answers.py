"""Answering a checklist during an inspection: autosave with conflict and retry safety, progress.

Every answer is saved on its own the moment it changes. Two rules keep work from being lost:
- a save carries the row version it was made from; if someone else saved the item since, the save is
  refused (StaleAnswer) and both values are shown, never silently overwritten;
- a save carries an id made on the tablet; a retried save whose id was already applied is answered
  with the saved answer instead of being applied twice.
"""
import functools
import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _

from app.database import write_turn
from app.extensions import db
from app.models import (
    Answer,
    AnswerType,
    Attachment,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    EvidenceRule,
    Inspection,
    InspectionMember,
    User,
)
from app.models.base import utcnow
from app.models.inspection import FIELD_WORK_DONE
from app.services import audit, scoring
from app.services.errors import DomainError, NotPermitted, ValidationFailed
from app.services.permissions import may_answer

FIELDS = ("result", "value", "numerator", "denominator", "note")
RESULTS = {"pass", "fail", "na"}


class StaleAnswer(DomainError):
    """Someone saved this item after the version the user started from; `current` is their answer."""

    def __init__(self, current: Answer):
        super().__init__(_("Someone else saved this item meanwhile."))
        self.current = current


# --- outcomes ------------------------------------------------------------------------------------

def derive_outcomes_on_flush() -> None:
    """Give every new or changed answer its scored result as it is flushed, whoever saves it (the
    reports count failed items from `Answer.outcome`). Called once per process, at app creation."""
    if not sa.event.contains(sa.orm.Session, "before_flush", _derive_outcomes):
        sa.event.listen(sa.orm.Session, "before_flush", _derive_outcomes)


def _derive_outcomes(session, _context, _instances) -> None:
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Answer) and obj.item_id is not None:
            item = session.get(ChecklistItem, obj.item_id)  # from the identity map when loaded
            outcome = scoring.outcome(item, obj) if item is not None else None  # published items never change
            if obj.outcome != outcome:
                obj.outcome = outcome


# --- reading -------------------------------------------------------------------------------------

def answers_by_item(inspection: Inspection) -> dict[int, Answer]:
    answers = db.session.scalars(
        sa.select(Answer).where(Answer.inspection_id == inspection.id).options(sa.orm.selectinload(Answer.attachments))
    )
    return {answer.item_id: answer for answer in answers}


@functools.cache
def _previous_inspection() -> sa.Select:
    """The latest earlier inspection of the same unit with the same checklist family whose field work is
    over: where "last time" comes from. Built once; bound by previous_params()."""
    family = sa.select(ChecklistTemplate.family).where(ChecklistTemplate.id == sa.bindparam("template_id"))
    return (
        sa.select(Inspection)
        .join(ChecklistTemplate, Inspection.template_id == ChecklistTemplate.id)
        .where(Inspection.unit_id == sa.bindparam("unit_id"), Inspection.id != sa.bindparam("inspection_id"),
               Inspection.planned_start <= sa.bindparam("planned_start"),
               Inspection.status.in_(FIELD_WORK_DONE),
               ChecklistTemplate.family == family.scalar_subquery())
        .order_by(Inspection.planned_start.desc(), Inspection.id.desc())
        .limit(1)
    )


def _previous_params(inspection: Inspection) -> dict:
    return {"template_id": inspection.template_id, "unit_id": inspection.unit_id, "inspection_id": inspection.id,
            "planned_start": inspection.planned_start}


def previous_answers(inspection: Inspection) -> dict[str, tuple[Answer, Inspection, ChecklistItem]]:
    """Last time's answers, by item code ("lần trước: không đạt, 12/03/2025"). Each answer comes with the
    item it answered, which may differ from today's version of that item."""
    previous = db.session.scalar(_previous_inspection(), _previous_params(inspection))
    if previous is None:
        return {}
    rows = db.session.execute(
        sa.select(Answer, ChecklistItem)
        .join(Answer.item)
        .where(Answer.inspection_id == previous.id, ChecklistItem.code != "")
    )
    return {item.code: (answer, previous, item) for answer, item in rows}


@functools.cache
def _checklist_stamp() -> sa.Select:
    of_inspection = Answer.inspection_id == sa.bindparam("inspection_id")
    files = sa.select(Attachment.id).join(Answer, Attachment.answer_id == Answer.id).where(of_inspection)
    return sa.select(
        sa.select(sa.func.coalesce(sa.func.sum(Answer.row_version), 0)).where(of_inspection).scalar_subquery(),
        files.with_only_columns(sa.func.count()).scalar_subquery(),
        files.with_only_columns(sa.func.max(Attachment.uploaded_at)).scalar_subquery(),
        files.with_only_columns(sa.func.sum(Attachment.id)).scalar_subquery(),
        _previous_inspection().with_only_columns(Inspection.id).scalar_subquery(),
    )


def checklist_stamp(inspection: Inspection) -> tuple:
    """One query's worth of values that change whenever the checklist could show something new: a save
    raises its answer's row version (answers are never deleted, so the sum only grows); a file added is
    the newest one and has a new id, so two different sets of files do not share their count, newest
    upload time and sum of ids (the ids cover an upload that commits late, the times an id SQLite
    reuses); and another inspection may become "last time"."""
    return tuple(db.session.execute(_checklist_stamp(), _previous_params(inspection)).one())


def evidence_missing(item: ChecklistItem, answer: Answer | None) -> bool:
    """The item's evidence rule is not met yet: always a file; on failure a note or a file."""
    if answer is None or item.evidence_required == EvidenceRule.NEVER or answer.result == "na":
        return False
    has_file = answer.has_files
    if item.evidence_required == EvidenceRule.ALWAYS:
        return not has_file
    return scoring.item_result(item, answer) == scoring.Result.FAIL and not (has_file or answer.note.strip())


def is_done(item: ChecklistItem, answer: Answer | None) -> bool:
    """Answered (a result, or a text for a free-text item) and its evidence rule met."""
    if answer is None:
        return False
    if item.answer_type == AnswerType.TEXT:
        answered = bool((answer.value or "").strip()) or answer.result == "na"
    else:
        answered = scoring.item_result(item, answer) is not None
    return answered and not evidence_missing(item, answer)


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    score: scoring.TemplateScore

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress(inspection: Inspection, answers: dict[int, Answer]) -> Progress:
    items = inspection.template.items
    return Progress(done=sum(is_done(item, answers.get(item.id)) for item in items), total=len(items),
                    score=scoring.score_template(inspection.template, answers))


def next_open_item(inspection: Inspection, answers: dict[int, Answer], after_item_id: int | None = None):
    """The first item not done yet after `after_item_id` (wrapping around), or None when all are."""
    items = inspection.template.items
    start = next((i + 1 for i, item in enumerate(items) if item.id == after_item_id), 0)
    for item in items[start:] + items[:start]:
        if not is_done(item, answers.get(item.id)):
            return item
    return None


# --- saving --------------------------------------------------------------------------------------

def fingerprint(values) -> str:
    """An answer's values (as posted, or an Answer) as one short string: equal means the card was not
    touched. A digest, because the page carries it in an attribute, where the separator may not appear."""
    def get(field):
        return values.get(field) if isinstance(values, dict) else getattr(values, field)
    joined = "\x1f".join("" if get(field) is None else str(get(field)).strip() for field in FIELDS)
    return hashlib.blake2b(joined.encode(), digest_size=12).hexdigest()


def is_empty(answer: Answer) -> bool:
    return all(getattr(answer, field) in (None, "") for field in FIELDS)


def clean_values(item: ChecklistItem, raw: dict) -> dict:
    """Check an answer's values for the item's type; raises ValidationFailed naming the field."""
    result = (raw.get("result") or "").strip() or None
    if result is not None and result not in RESULTS:
        raise ValidationFailed("result", _("Choose pass, fail or not applicable."))
    values = {"result": result, "value": None, "numerator": None, "denominator": None,
              "note": (raw.get("note") or "").strip()}
    if item.answer_type == AnswerType.PASS_FAIL:
        return values
    if result != "na":
        values["result"] = None  # other types get their result from the value, not a toggle
    if item.answer_type == AnswerType.NUMBER:
        values["value"] = _number_text(raw.get("value"), "value")
    elif item.answer_type == AnswerType.PERCENT:
        numerator = _count(raw.get("numerator"), "numerator")
        denominator = _count(raw.get("denominator"), "denominator")
        if numerator is not None and denominator is not None and numerator > denominator:
            raise ValidationFailed("numerator", _("The numerator cannot be larger than the denominator."))
        values["numerator"], values["denominator"] = numerator, denominator
    elif item.answer_type == AnswerType.CHOICE:
        value = (raw.get("value") or "").strip() or None
        if value is not None and value not in {str(choice["value"]) for choice in item.choices}:
            raise ValidationFailed("value", _("Choose one of the options."))
        values["value"] = value
    else:
        values["value"] = (raw.get("value") or "").strip() or None
    return values


def _number_text(text, field) -> str | None:
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationFailed(field, _("Enter a number.")) from None
    if not number.is_finite():
        raise ValidationFailed(field, _("Enter a number."))
    return text


def _count(text, field) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise ValidationFailed(field, _("Enter a whole number, 0 or more."))
    return int(text)


@dataclass
class SavedAnswer:
    """An answer as a save left it, with its item: what the card's save state shows. The autosave answers
    from what it wrote instead of reading the row back, so this stands in for an `Answer`."""

    item: sa.Row  # the item's columns, which is all that rules and scoring read of an item
    id: int
    row_version: int
    result: str | None
    value: str | None
    numerator: int | None
    denominator: int | None
    note: str
    answered_at: datetime
    answered_by: User | None
    last_save_id: str | None
    has_files: bool


_ANSWER = Answer.__table__
_SAVED_COLUMNS = ("id", "row_version", "last_save_id", *FIELDS, "answered_at")


@functools.cache
def _item_to_answer() -> sa.Select:
    """Everything a save checks, in one round trip of plain columns (no ORM objects to build): the item
    within the inspection's checklist, the inspection's state, the user's role in its team (None outside
    it) and the item's answer as it is (None columns when there is none yet)."""
    item, section, inspection = ChecklistItem.__table__, ChecklistSection.__table__, Inspection.__table__
    member, files = InspectionMember.__table__, Attachment.__table__
    return (
        sa.select(item, inspection.c.status.label("inspection_status"), member.c.role.label("team_role"),
                  *(_ANSWER.c[name].label(f"answer_{name}") for name in _SAVED_COLUMNS),
                  sa.exists().where(files.c.answer_id == _ANSWER.c.id).label("answer_has_files"))
        .join(section, item.c.section_id == section.c.id)
        .join(inspection, inspection.c.template_id == section.c.template_id)
        .outerjoin(member, sa.and_(member.c.inspection_id == inspection.c.id,
                                   member.c.user_id == sa.bindparam("user_id")))
        .outerjoin(_ANSWER, sa.and_(_ANSWER.c.inspection_id == inspection.c.id, _ANSWER.c.item_id == item.c.id))
        .where(item.c.id == sa.bindparam("item_id"), inspection.c.id == sa.bindparam("inspection_id"))
    )


@functools.cache
def _update_answer() -> sa.Update:
    """An answer's new values (the SET columns come with the parameters), only if it is still at the
    version this save read: otherwise another save came in between."""
    return (_ANSWER.update()
            .where(_ANSWER.c.id == sa.bindparam("answer_id"), _ANSWER.c.row_version == sa.bindparam("seen"))
            .values(row_version=_ANSWER.c.row_version + 1))


def _answer_as_it_is(item: sa.Row) -> SavedAnswer | None:
    if item.answer_id is None:
        return None
    return SavedAnswer(item=item, answered_by=None, has_files=bool(item.answer_has_files),
                       **{name: item._mapping[f"answer_{name}"] for name in _SAVED_COLUMNS})


def _write(inspection_id: int, item_id: int, current: SavedAnswer | None, written: dict) -> int | None:
    """Insert the item's first answer or update the one read; the answer's id, or None when another save
    of the item came in between (a first answer already there, or a newer version)."""
    if current is None:
        try:
            return db.session.execute(_ANSWER.insert(), written | {
                "inspection_id": inspection_id, "item_id": item_id, "row_version": 1}).inserted_primary_key[0]
        except sa.exc.IntegrityError:
            return None
    updated = db.session.execute(_update_answer(), written | {"answer_id": current.id, "seen": current.row_version})
    return current.id if updated.rowcount == 1 else None


def _stale(inspection_id: int, item_id: int) -> StaleAnswer:
    """The refusal of a stale save, with the answer that won, read afresh."""
    return StaleAnswer(db.session.scalar(
        sa.select(Answer).where(Answer.inspection_id == inspection_id, Answer.item_id == item_id)
        .execution_options(populate_existing=True)))


def save_answer(actor: User, inspection_id: int, item_id: int, raw: dict, row_version: int | None,
                save_id: str | None, base_save_id: str | None = None) -> SavedAnswer:
    """Save one item's answer in its own transaction.

    `row_version` is the version the user's screen showed (None or 0 when there was no answer yet).
    `base_save_id` is the id of the tablet's previous save of this item: when that is the latest
    applied save, the screen was only behind on our own write (its answer got lost), not someone else's.

    The busiest write of the app, so it is one read and two plain statements (the answer, checked
    against the version just read, and its audit event) rather than the ORM's unit of work.
    """
    item = db.session.execute(_item_to_answer(), {"user_id": actor.id, "inspection_id": inspection_id,
                                                  "item_id": item_id}).one_or_none()
    if item is None:
        raise NotPermitted(_("This item is not part of the inspection's checklist."))
    if not may_answer(actor, item.inspection_status, item.team_role):
        raise NotPermitted(_("Only the team answers, while the inspection is in progress."))
    current = _answer_as_it_is(item)
    if current is not None and save_id and current.last_save_id == save_id:
        return replace(current, answered_by=actor)  # a retry of a save that was already applied
    own_write = bool(base_save_id) and current is not None and current.last_save_id == base_save_id
    if current is not None and (row_version or 0) != current.row_version and not is_empty(current) and not own_write:
        raise _stale(inspection_id, item_id)  # an empty answer (a photo came first) has nothing to overwrite
    values = clean_values(item, raw)
    written = values | {"answered_by_id": actor.id, "answered_at": utcnow(), "last_save_id": save_id,
                        "outcome": scoring.outcome(item, values)}
    changes = audit.diff(audit.snapshot(current, FIELDS) if current else {}, values)
    with write_turn():  # from the first write to the commit, nothing else happens
        answer_id = _write(inspection_id, item_id, current, written)
        if answer_id is None:
            db.session.rollback()
        else:
            if changes:
                audit.insert(actor, "answer", "answer", answer_id, f"{item.code or item.id}", changes)
            db.session.commit()
    if answer_id is None:
        stale = _stale(inspection_id, item_id)
        if save_id and stale.current.last_save_id == save_id:
            # The winner was this very save, retried by the tablet while its first try was under way:
            # answered like any retry, never as a conflict with itself.
            winner = stale.current
            return SavedAnswer(item=item, answered_by=actor, has_files=winner.has_files,
                               **{name: getattr(winner, name) for name in _SAVED_COLUMNS})
        raise stale
    return SavedAnswer(item=item, id=answer_id, row_version=current.row_version + 1 if current else 1,
                       answered_at=written["answered_at"], answered_by=actor, last_save_id=save_id,
                       has_files=current.has_files if current else False, **values)


def item_of(inspection: Inspection, item_id: int) -> ChecklistItem | None:
    """An item of the inspection's checklist version, or None."""
    return db.session.scalar(
        sa.select(ChecklistItem).join(ChecklistItem.section).options(sa.orm.contains_eager(ChecklistItem.section))
        .where(ChecklistItem.id == item_id, ChecklistSection.template_id == inspection.template_id))
