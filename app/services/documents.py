"""Documents of an inspection: the minutes (biên bản kiểm tra) and the conclusion notice (thông báo kết
luận kiểm tra), laid out as Nghị định 30/2020/NĐ-CP prescribes, from one source to three outputs.

    draft ──finalise──▶ final ──signed scan uploaded──▶ signed
                  (numbered, frozen)

- A draft is drawn live from the inspection plus the texts the team lead (minutes) or the leader
  (conclusion) writes. Finalising gives it the next number of its issuing body's series for the
  year (DocumentSequence, concurrency-safe) and freezes it: `snapshot` keeps the data, `content_html`
  the page as rendered. The print view and the PDF are made from `content_html`, the Word file from
  `snapshot`: a later change to the inspection never alters a final document.
- Finalising the conclusion issues the inspection's findings to their units (app.services.findings)
  and concludes the inspection. Uploading the signed scan of the minutes moves the inspection from
  reviewing to minutes_signed (DESIGN.md §3).
- A final or signed document is never edited: a correction is a new document naming the one it
  corrects, with its own number.

Every state change here checks the actor's right, writes the audit event and the notifications and
commits them together. Every text that enters a document is NFC-normalised (composed diacritics).
"""
import re
import unicodedata
from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.exc import StaleDataError

from app import clock, formatting
from app.extensions import db
from app.models import (
    ISSUED_STATUSES,
    Answer,
    Attachment,
    ChecklistItem,
    ChecklistSection,
    Document,
    DocumentKind,
    DocumentSequence,
    DocumentStatus,
    Finding,
    FindingStatus,
    Inspection,
    InspectionStatus,
    IssuingBody,
    Role,
    TeamRole,
    User,
)
from app.models.base import utcnow
from app.services import audit, evidence, findings, notifications, scoring
from app.services import inspections as inspection_service
from app.services.answers import answers_by_item
from app.services.errors import NotPermitted, ValidationFailed
from app.services.deadlines import unit_heads
from app.services.permissions import (
    ISSUED_DOCUMENTS,
    STARTS,
    can_correct_document,
    can_edit_document,
    can_sign_document,
    finalisable_now,
    first_document,
    is_document_writer,
    visible_documents,
)
from app.services.transactions import commit_or_stale


# The texts each kind has, with their defaults made by _defaults(); all strings unless listed below.
TEXT_FIELDS = {
    DocumentKind.MINUTES: ("header_superior", "header_issuer", "summary", "start_time", "end_time", "unit_participants",
                "assessment", "requests", "unit_opinion", "copies", "copies_team", "unit_signer_title",
                "unit_signer_name", "include_photos"),
    DocumentKind.CONCLUSION: ("header_superior", "header_issuer", "summary", "assessment", "requests", "recipients",
                   "signer_authority", "signer_title", "signer_name"),
    DocumentKind.PLAN: ("header_superior", "header_issuer", "summary", "legal_basis", "purpose", "organisation",
                        "recipients", "signer_authority", "signer_title", "signer_name"),
    DocumentKind.REPORT: ("header_superior", "header_issuer", "summary", "achievements", "shortcomings", "causes",
                          "proposals", "recipients", "signer_authority", "signer_title", "signer_name"),
}
INT_FIELDS = {"copies": (1, 20), "copies_team": (0, 20)}
BOOL_FIELDS = ("include_photos",)
MAX_TEXT = 10000
MAX_LINE = 255
# Number patterns are substituted, never evaluated: exactly {n}, {year} and {abbr}, and any other
# brace (a format spec, an attribute, a lone brace) is refused.
PLACEHOLDERS = re.compile(r"\{(n|year|abbr)\}")
BRACES = re.compile(r"\{[^{}]*\}?|\}")
MAX_PHOTOS = 60
ROLE_ORDER = {TeamRole.LEAD: 0, TeamRole.DEPUTY: 1, TeamRole.MEMBER: 2, TeamRole.SECRETARY: 3}


# --- text ----------------------------------------------------------------------------------------

def nfc(value):
    """`value` with every string in it NFC-normalised (composed: "ệ" is one character, not e + two
    combining marks), through dicts and lists."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {key: nfc(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [nfc(item) for item in value]
    return value


def date_line(place: str, day: date | None) -> str:
    """"Kon Tum, ngày 05 tháng 02 năm 2026" (ND 30: days below 10 and months 1 and 2 get a leading 0)."""
    if day is None:
        return f"{place}, ngày … tháng … năm …"
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def day_words(day: date | None) -> str:
    """"ngày 05 tháng 02 năm 2026", for sentences."""
    return date_line("", day).removeprefix(", ")


def short_date(day: date | None) -> str:
    return formatting.day_text(day) if day else "…"


def number_text(value) -> str:
    """A number the Vietnamese way (66,67), whatever the user's language."""
    return "—" if value is None else formatting.number_text(value, "vi")


def lines(text: str) -> list[str]:
    """The non-empty lines of a textarea."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --- numbers -------------------------------------------------------------------------------------

def pattern_problem(pattern: str) -> str | None:
    """Why a number pattern cannot be used, or None: it needs {n}, knows only {n}, {year}, {abbr}."""
    pattern = pattern or ""
    if "{n}" not in pattern:
        return _("The pattern needs {n}, the number in the year's series.")
    for match in BRACES.finditer(pattern):
        if not PLACEHOLDERS.fullmatch(match.group(0)):
            return _("Unknown placeholder %(name)s: use {n}, {year} and {abbr}.", name=match.group(0))
    return None


def format_number(pattern: str, seq: int, year: int, abbreviation: str) -> str:
    """The number as printed: "{n}/BB-ĐKT" with 5 gives "05/BB-ĐKT" (numbers below 10 get a leading 0)."""
    values = {"n": f"{seq:02d}", "year": str(year), "abbr": abbreviation}
    return nfc(PLACEHOLDERS.sub(lambda match: values[match.group(1)], pattern))


def number_pattern(body: IssuingBody, kind: DocumentKind) -> str:
    return {DocumentKind.MINUTES: body.minutes_number_pattern, DocumentKind.CONCLUSION: body.conclusion_number_pattern,
            DocumentKind.PLAN: body.plan_number_pattern, DocumentKind.REPORT: body.report_number_pattern}[kind]


def give_number(document: Document) -> None:
    """Give a draft the next number of its issuing body's series for the year of its date."""
    body = document.issuing_body
    year = document.date.year
    seq = next_number(body.id, document.kind, year)
    document.number_seq, document.year = seq, year
    document.number = format_number(number_pattern(body, document.kind), seq, year, body.abbreviation)


def next_number(issuing_body_id: int, kind: DocumentKind, year: int) -> int:
    """Take the next number of a series in the caller's transaction (never the same one twice).

    The series' row is made if missing (INSERT … ON CONFLICT DO NOTHING), then incremented with
    UPDATE … SET last = last + 1 … RETURNING last. On PostgreSQL the UPDATE holds the row lock (the
    lock SELECT … FOR UPDATE would take) until the caller commits or rolls back: a concurrent
    finalisation waits, then reads the committed value and takes the next number. On SQLite the
    UPDATE takes the database's write lock, which the other writer waits for (busy_timeout). A
    rolled-back finalisation gives its number back, so the series has no gaps; a committed number
    is on a final document, and final documents are never deleted.
    """
    table = DocumentSequence.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(table).values(issuing_body_id=issuing_body_id, kind=kind.value, year=year, last=0)
                       .on_conflict_do_nothing(index_elements=["issuing_body_id", "kind", "year"]))
    return db.session.execute(
        sa.update(table).where(table.c.issuing_body_id == issuing_body_id, table.c.kind == kind.value,
                               table.c.year == year)
        .values(last=table.c.last + 1).returning(table.c.last)
    ).scalar_one()


# --- reading -------------------------------------------------------------------------------------

def documents_of(user: User, inspection: Inspection) -> list[Document]:
    """The inspection's documents the user may read, minutes first, corrections after what they correct."""
    return list(db.session.scalars(visible_documents(user).where(Document.inspection_id == inspection.id)
                                   .order_by(Document.kind.desc(), Document.id)))


def label(document: Document) -> str:
    return f"{document.kind.label} {document.number or '#%d' % document.id} — {document.inspection.title}"


def link(document: Document) -> notifications.Link:
    """The document's page, for a notification."""
    return notifications.Link("documents.detail", {"document_id": document.id})


def shows_photo(document: Document, sha: str) -> bool:
    """Whether the document's appendix shows this photo: its snapshot's once final, else any evidence
    photo of the inspection (one query, not the whole document drawn again)."""
    if document.snapshot is not None:
        return sha in {photo["sha"] for photo in document.snapshot.get("photos", [])}
    return db.session.scalar(
        sa.select(Attachment.id).join(Answer, Attachment.answer_id == Answer.id)
        .where(Answer.inspection_id == document.inspection_id, Attachment.sha256 == sha,
               Attachment.mime_type.like("image/%")).limit(1)) is not None



# --- drafts --------------------------------------------------------------------------------------

def _grounds(line: str) -> str:
    """A line of the legal basis as the minutes cite it: "Căn cứ Kế hoạch …;"."""
    line = line.rstrip(" ;.,")
    return (line if line.lower().startswith("căn cứ") else "Căn cứ " + _lower_first(line)) + ";"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def _defaults(inspection: Inspection, kind: DocumentKind, body: IssuingBody) -> dict:
    heads = unit_heads(inspection.unit_id)
    if kind == DocumentKind.MINUTES:
        return {
            "header_superior": body.name.upper(), "header_issuer": "ĐOÀN KIỂM TRA",
            "summary": inspection.title, "start_time": "", "end_time": "",
            "unit_participants": "\n".join(f"{u.full_name} — {u.title}" if u.title else u.full_name for u in heads),
            "assessment": "", "requests": "", "unit_opinion": "", "copies": 3, "copies_team": 2,
            "unit_signer_title": heads[0].title if heads else "", "unit_signer_name": heads[0].full_name if heads else "",
            "include_photos": True,
        }
    return {
        "header_superior": body.superior_name, "header_issuer": body.name.upper(),
        "summary": "Kết luận " + _lower_first(inspection.title),
        "assessment": "", "requests": "",
        "recipients": f"{inspection.unit.name};\nThành viên Ban Chỉ đạo;\nLưu: VT.",
        "signer_authority": "", "signer_title": body.signer_title, "signer_name": body.signer_name,
    }


def texts_of(document: Document) -> dict:
    """The document's texts, with the defaults for those never written."""
    defaults = _defaults(document.inspection, document.kind, document.issuing_body)
    return defaults | {key: value for key, value in (document.texts or {}).items() if key in defaults}


def start_document(actor: User, inspection: Inspection, kind: DocumentKind) -> Document:
    """The inspection's minutes or conclusion as a draft (the one already started, if any)."""
    if not is_document_writer(actor, inspection, kind):
        raise NotPermitted(_("You may not write this document."))
    found = first_document(inspection, kind)
    if found is not None:
        return found
    if inspection.status not in STARTS[kind]:
        raise ValidationFailed(None, _("The minutes are written once the field work is done (under review).")
                               if kind == DocumentKind.MINUTES else
                               _("The conclusion notice is written once the minutes are signed."))
    if inspection.issuing_body_id is None:
        raise ValidationFailed(None, _("The inspection has no issuing body: enter its decision first."))
    try:
        inspection_service.claim(inspection)
    except ValidationFailed:
        found = first_document(inspection, kind)  # of two starts at once, the second finds the first's draft
        if found is None:
            raise
        return found
    body = db.session.get(IssuingBody, inspection.issuing_body_id)
    document = Document(inspection=inspection, kind=kind, status=DocumentStatus.DRAFT, issuing_body_id=body.id,
                        date=clock.local_today(), place=inspection.place or inspection.unit.name,
                        texts=nfc(_defaults(inspection, kind, body)), created_by_id=actor.id)
    db.session.add(document)
    db.session.flush()
    audit.record(actor, "create", document, label(document), {"kind": [None, kind.value]})
    db.session.commit()
    return document


def clean_texts(kind: DocumentKind, raw: dict) -> dict:
    """The posted texts of a kind: NFC, trimmed, numbers checked; raises ValidationFailed for each
    field that is wrong."""
    texts, problems = {}, []
    for name in TEXT_FIELDS[kind]:
        value = raw.get(name)
        if name in BOOL_FIELDS:
            texts[name] = bool(value)
        elif name in INT_FIELDS:
            low, high = INT_FIELDS[name]
            try:
                number = int(value)
            except (TypeError, ValueError):
                problems.append((name, _("Enter a whole number.")))
                continue
            if not low <= number <= high:
                problems.append((name, _("Enter a number from %(low)d to %(high)d.", low=low, high=high)))
                continue
            texts[name] = number
        else:
            text = nfc(str(value or "")).strip()
            if len(text) > MAX_TEXT:
                problems.append((name, _("At most %(n)d characters.", n=MAX_TEXT)))
                continue
            texts[name] = text
    if kind == DocumentKind.MINUTES and not problems and texts["copies_team"] > texts["copies"]:
        problems.append(("copies_team", _("The team cannot keep more copies than there are.")))
    if problems:
        raise ValidationFailed(*problems[0], problems=problems)
    return texts


def _clean_place(place: str | None) -> str:
    place = nfc(" ".join((place or "").split()))
    if len(place) > MAX_LINE:
        raise ValidationFailed("place", _("At most %(n)d characters.", n=MAX_LINE))
    return place


def update_document(actor: User, document: Document, row_version: int, doc_date: date | None, place: str,
                    texts: dict) -> Document:
    """Save a draft's date, place and texts (as posted: clean_texts checks them)."""
    if not can_edit_document(actor, document):
        raise NotPermitted(_("Only a draft can be edited, by who writes it."))
    if row_version != document.row_version:
        raise ValidationFailed(None, _("Someone else changed this document meanwhile. Reload the page to see "
                                       "their changes, then make yours again."))
    cleaned = clean_texts(document.kind, texts)
    place = _clean_place(place)
    before = {"date": document.date.isoformat() if document.date else None, "place": document.place,
              **(document.texts or {})}
    document.date, document.place, document.texts = doc_date, place, cleaned
    after = {"date": doc_date.isoformat() if doc_date else None, "place": place, **cleaned}
    changes = audit.diff(before, after)
    if changes:
        document.updated_at = utcnow()
        audit.record(actor, "update", document, label(document), changes)
    _commit()
    return document


def _commit() -> None:
    commit_or_stale(_("Someone else changed this document meanwhile. Reload the page and try again."))


# --- composing: the data a document is drawn from -------------------------------------------------

def _findings(document: Document, inspection: Inspection) -> list[Finding]:
    """The minutes list the confirmed findings (drafts or issued); the conclusion the issued ones (or,
    while it is a draft, the confirmed drafts it will issue)."""
    query = (sa.select(Finding).outerjoin(ChecklistItem, Finding.item_id == ChecklistItem.id)
             .outerjoin(ChecklistSection, ChecklistItem.section_id == ChecklistSection.id)
             .where(Finding.inspection_id == inspection.id)
             .options(sa.orm.joinedload(Finding.unit), sa.orm.joinedload(Finding.item))
             .order_by(Finding.number.is_(None), Finding.number, ChecklistSection.position.is_(None),
                       ChecklistSection.position, ChecklistItem.position, Finding.id))
    issued_or_confirmed = sa.or_(Finding.status.in_(ISSUED_STATUSES),
                                 sa.and_(Finding.status == FindingStatus.DRAFT, Finding.confirmed))
    return list(db.session.scalars(query.where(issued_or_confirmed)).unique())


def _photos(document: Document, inspection: Inspection) -> list[dict]:
    """The inspection's evidence photos, in checklist order, captioned with item code and time."""
    zone = clock.zone()
    rows = db.session.execute(
        sa.select(Attachment, ChecklistItem.code).join(Answer, Attachment.answer_id == Answer.id)
        .join(ChecklistItem, Answer.item_id == ChecklistItem.id)
        .join(ChecklistSection, ChecklistItem.section_id == ChecklistSection.id)
        .where(Answer.inspection_id == inspection.id, Attachment.mime_type.like("image/%"))
        .order_by(ChecklistSection.position, ChecklistItem.position, Attachment.id).limit(MAX_PHOTOS)).all()
    photos, seen = [], set()
    for attachment, code in rows:
        if attachment.sha256 in seen:
            continue
        seen.add(attachment.sha256)
        at = formatting.time_and_day_text(attachment.uploaded_at.astimezone(zone))
        photos.append({"sha": attachment.sha256, "code": code or "", "caption": f"{code + ' · ' if code else ''}{at}"})
    return photos


def _minutes_reference(inspection: Inspection) -> dict | None:
    minutes = db.session.scalar(sa.select(Document).where(
        Document.inspection_id == inspection.id, Document.kind == DocumentKind.MINUTES, Document.status.in_(ISSUED_DOCUMENTS))
        .order_by(Document.status.desc(), Document.id.desc()).limit(1))
    if minutes is None:
        return None
    return {"number": minutes.number, "date": short_date(minutes.date), "date_words": day_words(minutes.date)}


def compose(document: Document) -> dict:
    """What the document says: its frozen snapshot once final, else drawn from the inspection now."""
    if document.snapshot is not None:
        return document.snapshot
    return _compose_live(document)


_SAVED = object()


def _compose_live(document: Document, texts: dict | None = None, doc_date=_SAVED, place=_SAVED) -> dict:
    """The data of the document as of now (plain JSON, NFC), with `texts`, `doc_date` and `place`
    instead of the saved ones when given (the editor's live preview)."""
    inspection, body = document.inspection, document.issuing_body
    texts = texts_of(document) | (texts or {})
    template = inspection.template
    saved = answers_by_item(inspection)
    score = scoring.score_template(template, saved)
    with force_locale("vi"):  # labels of roles and severities as the document prints them
        team = [{"name": m.user.full_name, "title": m.user.title, "role": m.role.label, "role_value": m.role.value}
                for m in sorted(inspection.members, key=lambda m: (ROLE_ORDER[m.role], m.id))]
        findings = [{
            "code": f.code or "", "item_code": f.item.code if f.item else "", "title": f.title,
            "description": f.description, "recommendation": f.recommendation, "severity": f.severity.label,
            "unit": f.unit.name, "due_date": short_date(f.due_date), "issued": f.status != FindingStatus.DRAFT,
        } for f in _findings(document, inspection)]
    lead = inspection.lead
    corrects = document.corrects
    day = document.date if doc_date is _SAVED else doc_date
    data = {
        "id": document.id, "kind": document.kind.value, "number": document.number,
        "date": day.isoformat() if day else None, "date_words": day_words(day),
        "date_line": date_line(body.place_name, day), "place": document.place if place is _SAVED else place,
        "body": {"name": body.name, "abbreviation": body.abbreviation, "place_name": body.place_name},
        "header": {"superior": texts["header_superior"], "issuer": texts["header_issuer"]},
        "texts": texts,
        "inspection": {"title": inspection.title, "unit": inspection.unit.name,
                       "legal_basis": [_grounds(line) for line in lines(inspection.legal_basis)],
                       "start": short_date(inspection.planned_start), "end": short_date(inspection.planned_end),
                       "decision_number": inspection.decision_number or "…",
                       "decision_date": short_date(inspection.decision_date),
                       "decision_date_words": day_words(inspection.decision_date),
                       "template": f"{template.name} (phiên bản {template.version})",
                       "item_count": len(template.items)},
        "team": team,
        "lead": {"name": lead.full_name if lead else "", "title": lead.title if lead else ""},
        "secretary": next(({"name": m["name"]} for m in team if m["role_value"] == TeamRole.SECRETARY.value), None),
        "unit_side": lines(texts.get("unit_participants", "")),
        "score": {"percent": number_text(score.total.percent), "earned": number_text(score.total.earned),
                  "possible": number_text(score.total.possible), "grade": score.grade or ""},
        "sections": [{"title": section.title, "earned": number_text(s.earned), "possible": number_text(s.possible),
                      "percent": number_text(s.percent)} for section, s in score.sections],
        "findings": findings,
        "recipients": lines(texts.get("recipients", "")),
        "photos": _photos(document, inspection) if document.kind == DocumentKind.MINUTES and texts.get("include_photos") else [],
        "minutes": _minutes_reference(inspection) if document.kind == DocumentKind.CONCLUSION else None,
        "corrects": {"number": corrects.number, "date": short_date(corrects.date)} if corrects else None,
    }
    return nfc(data)


def preview(document: Document, doc_date: date | None, place: str | None, raw_texts: dict) -> tuple[dict, dict]:
    """The editor's live preview of unsaved input: (the document's data, problems by field), for
    app.documents.output.render_body. Nothing is written; a field that is wrong shows as saved."""
    kind = document.kind
    try:
        texts, problems = clean_texts(kind, raw_texts), {}
    except ValidationFailed as error:
        problems = dict(error.problems)
        texts = texts_of(document) | {
            name: (bool(raw_texts.get(name)) if name in BOOL_FIELDS else nfc(str(raw_texts.get(name) or "")).strip())
            for name in TEXT_FIELDS[kind] if name not in problems and name not in INT_FIELDS}
    place = nfc(" ".join((place or "").split()))[:MAX_LINE]
    data = _compose_live(document, texts, doc_date=doc_date, place=place)
    return data, problems


# --- finalising ----------------------------------------------------------------------------------

def _missing(document: Document, texts: dict) -> list[tuple[str, str]]:
    problems = []
    if document.date is None:
        problems.append(("date", _("Enter the document's date.")))
    if not texts.get("summary"):
        problems.append(("summary", _("Write the summary line.")))
    if not (texts.get("header_issuer") or "").strip():
        problems.append(("header_issuer", _("Enter the issuing body as the header prints it.")))
    if document.kind == DocumentKind.MINUTES:
        if not document.place:
            problems.append(("place", _("Enter where the inspection took place.")))
        if not texts.get("start_time"):
            problems.append(("start_time", _("Enter the time the inspection began.")))
        if not texts.get("unit_opinion"):
            problems.append(("unit_opinion", _("Write the unit's opinion (or that it agrees).")))
        if not lines(texts.get("unit_participants", "")):
            problems.append(("unit_participants", _("Name at least one person of the inspected unit.")))
    elif not lines(texts.get("recipients", "")):
        problems.append(("recipients", _("List the recipients.")))
    return problems


def finalise_document(actor: User, document: Document, render_html: Callable[[dict], str],
                      attempts: int = 5) -> Document:
    """Number and freeze a draft; the conclusion also issues the findings and concludes the inspection.
    `render_html` draws the document's data as the page it keeps (app.documents.output.render_body).

    A clash with a concurrent finalisation (the database was busy, or the number was taken in a race
    the sequence did not see) rolls back and tries again, with a fresh number."""
    return with_numbering_retries(lambda draft: _finalise(actor, draft, render_html), document, attempts)


def add_draft_once(draft: Document, existing: Callable[[], Document | None]) -> Document:
    """Insert a new plan or report draft, or the draft a start at the same moment inserted first.

    The unique indexes on open drafts (app.models.document) refuse the second of two inserts, on
    PostgreSQL once the first commits and on SQLite at the write lock. That one is rolled back and
    `existing()` finds the first's draft. The caller records and commits only when it gets `draft`."""
    db.session.add(draft)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        found = existing()
        if found is None:
            raise
        return found
    return draft


def with_numbering_retries(finalise: Callable[[Document], Document], document: Document,
                           attempts: int = 5) -> Document:
    """Run `finalise` (which numbers and commits) on the document; a clash with a concurrent
    finalisation rolls back and runs it again on the document as saved, a stale document is refused."""
    document_id = document.id
    for attempt in range(attempts):
        try:
            return finalise(document)
        except StaleDataError:
            db.session.rollback()
            raise ValidationFailed(None, _("Someone else changed this document or its inspection meanwhile. Reload "
                                           "the page and try again.")) from None
        except (sa.exc.OperationalError, sa.exc.IntegrityError):
            db.session.rollback()
            if attempt == attempts - 1:
                raise ValidationFailed(None, _("The document could not be numbered just now (the database was "
                                               "busy). Try again.")) from None
            document = db.session.get(Document, document_id, populate_existing=True)
    raise AssertionError("unreachable")


def _finalise(actor: User, document: Document, render_html: Callable[[dict], str]) -> Document:
    if not can_edit_document(actor, document):
        raise NotPermitted(_("Only a draft can be finalised, by who writes it."))
    inspection = document.inspection
    if not finalisable_now(document):
        raise ValidationFailed(None, _("The inspection is %(status)s: this document cannot be finalised now.",
                                       status=inspection.status.label.lower()))
    texts = texts_of(document)
    problems = _missing(document, texts)
    if document.kind == DocumentKind.MINUTES:
        unconfirmed = db.session.scalar(sa.select(sa.func.count(Finding.id)).where(
            Finding.inspection_id == inspection.id, Finding.status == FindingStatus.DRAFT, Finding.confirmed.is_(False)))
        if unconfirmed:
            problems.append((None, _("%(n)d proposed findings are neither confirmed nor dismissed yet.",
                                     n=unconfirmed)))
    if problems:
        raise ValidationFailed(*problems[0], problems=problems)
    issued = None
    if document.kind == DocumentKind.CONCLUSION and document.corrects_id is None:
        # Numbers the confirmed drafts, opens them, tells their units and concludes the inspection.
        issued = findings.issue_findings(actor, inspection, commit=False)
    give_number(document)
    document.texts = nfc(texts)
    db.session.flush()
    freeze(actor, document, _compose_live(document), render_html)
    changes = {"status": [DocumentStatus.DRAFT.value, DocumentStatus.FINAL.value], "number": [None, document.number]}
    if issued is not None:
        changes["findings"] = [None, issued]
    audit.record(actor, "finalise", document, label(document), changes)
    if document.kind == DocumentKind.MINUTES:
        notifications.notify(unit_heads(inspection.unit_id), _(
            "The minutes %(number)s of %(title)s are ready to be signed.", number=document.number,
            title=inspection.title), link(document))
    else:
        notifications.notify(unit_heads(inspection.unit_id) + [inspection.lead], _(
            "Conclusion notice %(number)s of %(title)s was issued.", number=document.number,
            title=inspection.title), link(document))
    db.session.commit()
    return document


# --- signing and correcting ----------------------------------------------------------------------

def upload_signed(actor: User, document: Document, filename: str, data: bytes) -> Attachment:
    """The scan of the signed paper (PDF or photo): the document becomes signed; signed minutes move
    the inspection from reviewing to minutes_signed."""
    if not can_sign_document(actor, document):
        raise NotPermitted(_("Only who finalised this kind of document uploads its signed scan, once it is final."))
    attachment = attach_signed_scan(actor, document, filename, data, label(document))
    inspection = document.inspection
    if document.kind == DocumentKind.MINUTES and inspection.status == InspectionStatus.REVIEWING:
        inspection_service.move_state(actor, inspection, InspectionStatus.MINUTES_SIGNED, "sign_minutes",
                                      {"minutes": [None, document.number]})
        leaders = list(db.session.scalars(sa.select(User).where(User.role == Role.LEADER, User.active)))
        notifications.notify(leaders, _("The minutes %(number)s of %(title)s are signed: the conclusion notice "
                                        "can be issued.", number=document.number, title=inspection.title),
                             link(document))
    notifications.notify(unit_heads(inspection.unit_id), _("%(document)s is signed and available.",
                                                           document=document.label), link(document))
    _commit()
    return attachment


def freeze(actor: User, document: Document, data: dict, render_html: Callable[[dict], str]) -> None:
    """Keep a numbered draft's data and its page as `render_html` draws it: the document is final and
    says the same whatever later happens to what it was drawn from (audit and commit are the caller's)."""
    document.snapshot = data
    document.content_html = render_html(data)
    document.status = DocumentStatus.FINAL
    document.locked_at = utcnow()
    document.finalised_by_id = actor.id


def attach_signed_scan(actor: User, document: Document, filename: str, data: bytes, label: str) -> Attachment:
    """The scan of the signed paper (PDF or photo), once the caller checked the right: the document
    becomes signed (committed by the caller, with whatever it announces)."""
    if not data:
        raise ValidationFailed("file", _("Choose the scan of the signed document (PDF or photo)."))
    attachment = evidence.attach_files(actor, evidence.prepare_files([(filename, data)]), document_id=document.id)[0]
    document.status = DocumentStatus.SIGNED
    document.signed_at = utcnow()
    audit.record(actor, "sign", document, label,
                 {"status": [DocumentStatus.FINAL.value, DocumentStatus.SIGNED.value], "scan": [None, attachment.id]})
    return attachment


def draft_correction(document: Document) -> Document | None:
    """The draft correcting `document` already started, if any (any kind)."""
    return db.session.scalar(sa.select(Document).where(Document.corrects_id == document.id,
                                                        Document.status == DocumentStatus.DRAFT))


def start_correction(actor: User, document: Document) -> Document:
    """A new draft that corrects a final or signed document (which stays as it is); the one already
    started, if any."""
    if not can_correct_document(actor, document):
        raise NotPermitted(_("This document cannot be corrected by you now."))
    found = draft_correction(document)
    if found is not None:
        return found
    try:
        inspection_service.claim(document.inspection)
    except ValidationFailed:
        found = draft_correction(document)  # of two starts at once, the second finds the first's draft
        if found is None:
            raise
        return found
    correction = Document(inspection_id=document.inspection_id, kind=document.kind, status=DocumentStatus.DRAFT,
                          issuing_body_id=document.issuing_body_id, date=clock.local_today(), place=document.place,
                          texts=dict(document.texts or {}), corrects_id=document.id, created_by_id=actor.id)
    db.session.add(correction)
    db.session.flush()
    audit.record(actor, "correct", correction, label(correction), {"corrects": [None, document.number]})
    db.session.commit()
    return correction
