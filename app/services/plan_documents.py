"""The year's inspection plan (kế hoạch kiểm tra công tác CCHC, công vụ năm …) as a document of its
issuing body, drawn from the year's planned inspections, laid out as Nghị định 30/2020/NĐ-CP prescribes.

    draft ──finalise──▶ final ──signed scan uploaded──▶ signed
                  (numbered, frozen)

- A draft is drawn live from the inspections planned to start in the year (not cancelled): the
  checklists they use and the fields these cover, a table of the units by month, the teams, plus
  the narrative the leader writes (purpose and requirements, organisation, recipients, signer).
- Finalising gives it the next number of its issuing body's plan series (e.g. 05/KH-BCĐ) and freezes
  it: `snapshot` keeps the data, with every planned inspection (`rows`), `content_html` the page.
- A final or signed plan is never edited: a correction is a new plan naming the one it corrects.
- When inspections are added, moved or cancelled after a plan is issued, an amended plan (kế hoạch
  điều chỉnh, bổ sung) names the latest issued plan of the year and lists only what changed since it.

Leaders and administrators write plans (app.services.permissions.can_write_secretariat_documents); every change here
writes its audit event and commits with it. Texts are NFC-normalised as in app.services.documents.
"""
from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from app import clock
from app.extensions import db
from app.models import (
    Document,
    DocumentKind,
    DocumentStatus,
    Inspection,
    InspectionMember,
    InspectionStatus,
    IssuingBody,
    Role,
    User,
)
from app.services import audit, notifications, secretariat_documents
from app.services.documents import (
    ROLE_ORDER,
    add_draft_once,
    date_line,
    day_words,
    give_number,
    lines,
    nfc,
    short_date,
    with_numbering_retries,
)
from app.services.errors import NotPermitted, ValidationFailed
from app.services.permissions import ISSUED_DOCUMENTS, can_write_secretariat_documents, secretariat_rights, visible_plans

KIND = DocumentKind.PLAN
# What an amended plan compares between the plan it amends and the inspections now.
COMPARED = ("unit", "start", "end", "checklist")


def year_of(document: Document) -> int:
    return document.period_start.year


def _period(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


# --- reading -------------------------------------------------------------------------------------

def plans_of(user: User, year: int) -> list[Document]:
    """The year's plans the user may read: first plans, their corrections and amendments, in order."""
    return list(db.session.scalars(visible_plans(user).where(Document.period_start == date(year, 1, 1))
                                   .order_by(Document.id)))


def latest_issued(year: int) -> Document | None:
    """The plan of the year in force: the last one finalised (a first plan, a correction or an amendment)."""
    return db.session.scalar(sa.select(Document).where(
        Document.kind == KIND, Document.period_start == date(year, 1, 1), Document.status.in_(ISSUED_DOCUMENTS))
        .order_by(Document.locked_at.desc(), Document.id.desc()).limit(1))


def label(document: Document) -> str:
    return f"{document.label} — {year_of(document)}"


def link(document: Document) -> notifications.Link:
    return notifications.Link("secretariat.detail", {"document_id": document.id})


# --- the year's inspections ----------------------------------------------------------------------

def planned_inspections(year: int) -> list[Inspection]:
    """The inspections planned to start in the year and not cancelled, by start date and unit."""
    start, end = _period(year)
    return list(db.session.scalars(
        sa.select(Inspection).where(Inspection.planned_start.between(start, end),
                                    Inspection.status != InspectionStatus.CANCELLED)
        .options(joinedload(Inspection.unit), joinedload(Inspection.template),
                 selectinload(Inspection.members).joinedload(InspectionMember.user))
        .order_by(Inspection.planned_start, Inspection.id)).unique())


def _row(inspection: Inspection) -> dict:
    template = inspection.template
    members = sorted(inspection.members, key=lambda m: (ROLE_ORDER[m.role], m.id))
    return {"id": inspection.id, "unit": inspection.unit.name, "month": inspection.planned_start.month,
            "start": short_date(inspection.planned_start), "end": short_date(inspection.planned_end),
            "checklist": template.family, "kind": inspection.kind.label,
            "team": [{"name": m.user.full_name, "title": m.user.title, "role": m.role.label} for m in members]}


def _checklists(inspections: list[Inspection]) -> list[dict]:
    """Each checklist version the year uses, once, with the sections (and their PAR INDEX fields) it checks."""
    seen, result = set(), []
    for inspection in inspections:
        template = inspection.template
        if template.id in seen:
            continue
        seen.add(template.id)
        result.append({"code": template.family, "name": f"{template.name} (phiên bản {template.version})",
                       "sections": [s.title + (f" (lĩnh vực {s.par_area.label})" if s.par_area else "")
                                    for s in template.sections]})
    return result


def _months(rows: list[dict]) -> list[dict]:
    """The rows grouped by month of their start, months without inspections left out."""
    return [{"month": month, "rows": [row for row in rows if row["month"] == month]}
            for month in range(1, 13) if any(row["month"] == month for row in rows)]


def changes_between(before: list[dict], now: list[dict]) -> dict:
    """What an amended plan lists: inspections added, moved (dates, unit or checklist changed) and
    dropped (cancelled or moved out of the year) since the rows of the plan it amends."""
    old = {row["id"]: row for row in before}
    new = {row["id"]: row for row in now}
    moved = [{"before": old[key], "now": row} for key, row in new.items()
             if key in old and any(old[key][name] != row[name] for name in COMPARED)]
    return {"added": [row for key, row in new.items() if key not in old], "moved": moved,
            "dropped": [row for key, row in old.items() if key not in new]}


def has_changes(changes: dict) -> bool:
    return any(changes.values())


def pending_changes(year: int) -> tuple[Document | None, dict]:
    """The plan of the year in force and what changed in the inspections since it was issued."""
    base = latest_issued(year)
    if base is None:
        return None, {"added": [], "moved": [], "dropped": []}
    with force_locale("vi"):
        rows = [_row(inspection) for inspection in planned_inspections(year)]
    return base, changes_between(base.snapshot["rows"], rows)


# --- drafts --------------------------------------------------------------------------------------

def _defaults(body: IssuingBody, year: int, amends: Document | None) -> dict:
    subject = f"kiểm tra công tác cải cách hành chính, công vụ năm {year}"
    summary = (f"Điều chỉnh, bổ sung Kế hoạch {subject}" if amends else subject[:1].upper() + subject[1:])
    return {
        "header_superior": body.superior_name, "header_issuer": body.name.upper(), "summary": summary,
        "legal_basis": f"Căn cứ Kế hoạch cải cách hành chính năm {year} của Ủy ban nhân dân tỉnh;\n"
                       "Căn cứ Chỉ thị số 26/CT-TTg ngày 05 tháng 9 năm 2016 của Thủ tướng Chính phủ về tăng cường "
                       "kỷ luật, kỷ cương trong các cơ quan hành chính nhà nước các cấp;",
        "purpose": "1. Mục đích\nĐánh giá kết quả thực hiện nhiệm vụ cải cách hành chính, kỷ luật, kỷ cương hành "
                   "chính của các cơ quan, đơn vị; kịp thời phát hiện tồn tại, hạn chế và kiến nghị khắc phục.\n"
                   "2. Yêu cầu\nKiểm tra đúng nội dung, thời gian; khách quan, công khai, không gây khó khăn cho "
                   "hoạt động của đơn vị được kiểm tra; kết luận rõ ưu điểm, tồn tại và trách nhiệm khắc phục.",
        "organisation": "1. Sở Nội vụ là cơ quan thường trực, tham mưu thành lập các Đoàn kiểm tra, thông báo lịch "
                        "kiểm tra đến đơn vị trước ngày kiểm tra và tổng hợp kết quả báo cáo Ban Chỉ đạo.\n"
                        "2. Các cơ quan, đơn vị được kiểm tra chuẩn bị báo cáo tự kiểm tra, hồ sơ, tài liệu liên "
                        "quan và bố trí thành phần làm việc với Đoàn kiểm tra.\n"
                        "3. Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các đơn vị phản ánh về Sở Nội vụ "
                        "để tổng hợp, báo cáo.",
        "recipients": "Thành viên Ban Chỉ đạo;\nCác cơ quan, đơn vị được kiểm tra;\nLưu: VT.",
        "signer_authority": "", "signer_title": body.signer_title, "signer_name": body.signer_name,
    }


def texts_of(document: Document) -> dict:
    defaults = _defaults(document.issuing_body, year_of(document), document.amends)
    return defaults | {key: value for key, value in (document.texts or {}).items() if key in defaults}


def _first_plan_draft(year: int) -> Document | None:
    return db.session.scalar(sa.select(Document).where(
        Document.kind == KIND, Document.period_start == date(year, 1, 1), Document.status == DocumentStatus.DRAFT,
        Document.corrects_id.is_(None), Document.amends_id.is_(None)).limit(1))


def _draft_amendment(base: Document) -> Document | None:
    return db.session.scalar(sa.select(Document).where(Document.amends_id == base.id, Document.corrects_id.is_(None),
                                                        Document.status == DocumentStatus.DRAFT).limit(1))


def _new_draft(actor: User, body: IssuingBody, year: int, **links) -> Document:
    """A new draft of the year's plan, not added yet (add_draft_once adds it)."""
    start, end = _period(year)
    document = Document(kind=KIND, status=DocumentStatus.DRAFT, issuing_body=body, period_start=start,
                        period_end=end, date=clock.local_today(), place="", created_by_id=actor.id, **links)
    document.texts = nfc(_defaults(body, year, links.get("amends")))
    return document


def start_plan(actor: User, year: int, body: IssuingBody | None) -> Document:
    """The year's plan as a draft of `body` (the draft already started, if any). Once a plan is issued,
    changes go into an amended plan and mistakes into a correction."""
    if not can_write_secretariat_documents(actor):
        raise NotPermitted(_("Only leaders and administrators write the inspection plan."))
    found = _first_plan_draft(year)
    if found is not None:
        return found
    if body is None or not body.active:
        raise ValidationFailed("issuing_body", _("Choose the body that issues the plan."))
    if latest_issued(year) is not None:
        raise ValidationFailed(None, _("The plan of %(year)d is issued: write an amended plan or a correction.",
                                       year=year))
    draft = _new_draft(actor, body, year)
    document = add_draft_once(draft, lambda: _first_plan_draft(year))
    if document is not draft:
        return document  # a start at the same moment made it
    audit.record(actor, "create", document, label(document), {"kind": [None, KIND.value], "year": [None, year]})
    db.session.commit()
    return document


def start_amendment(actor: User, year: int) -> Document:
    """An amended plan naming the plan in force and listing what changed since (the draft already
    started, if any)."""
    if not can_write_secretariat_documents(actor):
        raise NotPermitted(_("Only leaders and administrators write the inspection plan."))
    base, changes = pending_changes(year)
    if base is None:
        raise ValidationFailed(None, _("The plan of %(year)d is not issued yet.", year=year))
    found = _draft_amendment(base)
    if found is not None:
        return found
    if not has_changes(changes):
        raise ValidationFailed(None, _("No inspection was added, moved or cancelled since plan %(number)s.",
                                       number=base.number))
    draft = _new_draft(actor, base.issuing_body, year, amends=base)
    document = add_draft_once(draft, lambda: _draft_amendment(base))
    if document is not draft:
        return document  # a start at the same moment made it
    audit.record(actor, "amend", document, label(document), {"amends": [None, base.number]})
    db.session.commit()
    return document


def start_correction(actor: User, document: Document) -> Document:
    """A new draft that corrects an issued plan (which stays as it is); the one already started, if any."""
    def new_draft() -> Document:
        draft = _new_draft(actor, document.issuing_body, year_of(document), corrects=document, amends=document.amends)
        draft.texts = dict(document.texts or {})
        return draft

    return secretariat_documents.start_correction(actor, document, new_draft, label)


def update_draft(actor: User, document: Document, row_version: int, doc_date: date | None, texts: dict) -> Document:
    """Save a draft's date and texts (as posted: clean_texts checks them)."""
    return secretariat_documents.save_draft(actor, document, row_version, doc_date, texts, label(document))


# --- composing -----------------------------------------------------------------------------------

def compose(document: Document) -> dict:
    """What the plan says: its frozen snapshot once final, else drawn from the inspections now."""
    if document.snapshot is not None:
        return document.snapshot
    return _compose_live(document)


_SAVED = object()


def _reference(document: Document | None) -> dict | None:
    if document is None:
        return None
    return {"number": document.number, "date": short_date(document.date), "date_words": day_words(document.date)}


def _compose_live(document: Document, texts: dict | None = None, doc_date=_SAVED) -> dict:
    """The plan's data as of now (plain JSON, NFC), with `texts` and `doc_date` instead of the saved
    ones when given (the editor's live preview)."""
    body, year = document.issuing_body, year_of(document)
    texts = texts_of(document) | (texts or {})
    inspections = planned_inspections(year)
    with force_locale("vi"):  # kinds and team roles as the document prints them
        rows = [_row(inspection) for inspection in inspections]
    amends = document.amends
    day = document.date if doc_date is _SAVED else doc_date
    data = {
        "id": document.id, "kind": KIND.value, "number": document.number, "year": year,
        "date": day.isoformat() if day else None, "date_words": day_words(day),
        "date_line": date_line(body.place_name, day),
        "body": {"name": body.name, "abbreviation": body.abbreviation, "place_name": body.place_name},
        "header": {"superior": texts["header_superior"], "issuer": texts["header_issuer"]},
        "texts": texts, "legal_basis": lines(texts.get("legal_basis", "")),
        "rows": rows, "months": _months(rows), "checklists": _checklists(inspections),
        "units": len({inspection.unit_id for inspection in inspections}),
        "recipients": lines(texts.get("recipients", "")),
        "amends": _reference(amends),
        "changes": changes_between(amends.snapshot["rows"], rows) if amends is not None else None,
        "corrects": _reference(document.corrects),
    }
    return nfc(data)


def preview(document: Document, doc_date: date | None, raw_texts: dict) -> dict:
    """The editor's live preview of unsaved input; a field that is wrong shows as saved."""
    return _compose_live(document, secretariat_documents.preview_texts(KIND, raw_texts), doc_date=doc_date)


# --- finalising, signing -------------------------------------------------------------------------

def _missing(document: Document, data: dict) -> list[tuple[str | None, str]]:
    texts, problems = data["texts"], []
    if document.date is None:
        problems.append(("date", _("Enter the document's date.")))
    for name, message in (("summary", _("Write the summary line.")),
                          ("header_issuer", _("Enter the issuing body as the header prints it.")),
                          ("purpose", _("Write the purpose and requirements.")),
                          ("organisation", _("Write how the plan is carried out.")),
                          ("recipients", _("List the recipients."))):
        if name == "purpose" and data["amends"] is not None:
            continue  # an amended plan keeps the purpose of the plan it amends
        if not (texts.get(name) or "").strip():
            problems.append((name, message))
    if data["changes"] is not None and not has_changes(data["changes"]):
        problems.append((None, _("No inspection was added, moved or cancelled since plan %(number)s.",
                                 number=data["amends"]["number"])))
    elif data["changes"] is None and not data["rows"]:
        problems.append((None, _("No inspection is planned in %(year)d yet.", year=data["year"])))
    return problems


def finalise_draft(actor: User, document: Document, render_html: Callable[[dict], str]) -> Document:
    """Number and freeze a draft plan; `render_html` draws its data as the page it keeps."""
    return with_numbering_retries(lambda draft: _finalise(actor, draft, render_html), document)


def _finalise(actor: User, document: Document, render_html: Callable[[dict], str]) -> Document:
    if not secretariat_rights(actor, document).finalise:
        raise NotPermitted(_("Only a draft can be finalised, by who writes it."))
    problems = _missing(document, _compose_live(document))
    if problems:
        raise ValidationFailed(*problems[0], problems=problems)
    give_number(document)
    document.texts = nfc(texts_of(document))
    db.session.flush()
    return secretariat_documents.finalise(actor, document, _compose_live(document), render_html, label(document))


def _planned_unit_heads(data: dict) -> list[User]:
    ids = {row["id"] for row in data["rows"]}
    return list(db.session.scalars(sa.select(User).where(
        User.role == Role.UNIT_HEAD, User.active,
        User.unit_id.in_(sa.select(Inspection.unit_id).where(Inspection.id.in_(ids)))).order_by(User.id)))


def upload_signed(actor: User, document: Document, filename: str, data: bytes):
    """The scan of the signed plan: the plan becomes signed and the heads of its units are told."""
    attachment = secretariat_documents.attach_signed_scan(actor, document, filename, data, label(document))
    notifications.notify(_planned_unit_heads(document.snapshot), _("%(document)s is signed and available.",
                                                                   document=document.label), link(document))
    secretariat_documents.commit()
    return attachment
