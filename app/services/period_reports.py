"""The periodic report to the steering committee (báo cáo kết quả kiểm tra công tác cải cách hành
chính, công vụ quý, 6 tháng, năm …) as a document of its issuing body, a period and a scope.

    draft ──finalise──▶ final ──signed scan uploaded──▶ signed
                  (numbered, figures frozen)

- The figures are app.services.reports.period_figures: the dashboard's own queries with the period
  instead of the year (inspections planned and done, units inspected, latest scores and grades,
  findings by severity and PAR INDEX field, on time, late and overdue, repeats, the units with the most
  overdue, directive tasks and the CCHC index), kept to the scope's units (all, or one kind of unit).
- The narrative (Kết quả đạt được; Tồn tại, hạn chế; Nguyên nhân; Đề xuất, kiến nghị) starts as a first
  draft written from the figures; the leader edits it beside a live preview.
- Finalising numbers it from its body's report series (e.g. 12/BC-BCĐ) and freezes it with its figures
  (`snapshot`), so a later change to the data never alters a report that was sent. A correction is a
  new report naming the one it corrects, with the figures as they are then.

Leaders and administrators write reports; the staff who see the dashboard read the issued ones.
"""
from calendar import monthrange
from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from app import clock
from app.extensions import db
from app.models import Document, DocumentKind, DocumentStatus, IssuingBody, ParArea, Severity, Unit, UnitKind, User
from app.services import audit, reports, secretariat_documents
from app.services.documents import (
    add_draft_once,
    date_line,
    day_words,
    give_number,
    lines,
    nfc,
    number_text,
    short_date,
    with_numbering_retries,
)
from app.services.errors import NotPermitted, ValidationFailed
from app.services.periods import ROMAN
from app.services.permissions import can_write_secretariat_documents, secretariat_rights, visible_reports

KIND = DocumentKind.REPORT
# The periods a leader chooses from: (first month, last month) of a year, or two dates.
PERIODS = {"year": (1, 12), "h1": (1, 6), "h2": (7, 12), "q1": (1, 3), "q2": (4, 6), "q3": (7, 9), "q4": (10, 12)}
MAX_DAYS = 5 * 366
MOST_OVERDUE = 5


# --- period and scope ----------------------------------------------------------------------------

def _month_end(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def period_bounds(choice: str, year: int | None, start: date | None, end: date | None) -> tuple[date, date]:
    """The first and last day of the period chosen: a year, a half-year or a quarter of `year`, or the
    two dates given (choice "dates"). Raises ValidationFailed naming the field that is wrong."""
    if choice in PERIODS:
        if year is None or not 2000 <= year <= 2100:
            raise ValidationFailed("year", _("Enter the year of the report."))
        first, last = PERIODS[choice]
        return date(year, first, 1), _month_end(year, last)
    if choice != "dates":
        raise ValidationFailed("period", _("Choose the period of the report."))
    if start is None or end is None:
        raise ValidationFailed("start" if start is None else "end", _("Enter both dates of the period."))
    if end < start:
        raise ValidationFailed("end", _("The period ends before it starts."))
    if (end - start).days > MAX_DAYS:
        raise ValidationFailed("end", _("A report covers at most five years."))
    return start, end


def period_words(start: date, end: date) -> str:
    """The period as the report names it: "quý II năm 2026", "6 tháng đầu năm 2026", "năm 2026"."""
    for choice, (first, last) in PERIODS.items():
        if start == date(start.year, first, 1) and end == _month_end(start.year, last):
            if choice == "year":
                return f"năm {start.year}"
            if choice.startswith("h"):
                return f"6 tháng {'đầu' if choice == 'h1' else 'cuối'} năm {start.year}"
            return f"quý {ROMAN[(first - 1) // 3]} năm {start.year}"
    return f"từ ngày {short_date(start)} đến ngày {short_date(end)}"


def scope_units(scope: str) -> set[int] | None:
    """The units of a scope: None for all, else those of its kind."""
    if not scope:
        return None
    return set(db.session.scalars(sa.select(Unit.id).where(Unit.kind == UnitKind(scope))))


def scope_label(scope: str) -> str:
    """The units a report covers as its pages name them, in the user's language."""
    return _("All units") if not scope else str(UnitKind(scope).label)


def scope_words(scope: str) -> str:
    """The units a report covers as the document names them, in Vietnamese."""
    if not scope:
        return "các cơ quan, đơn vị"
    with force_locale("vi"):
        return f"khối {UnitKind(scope).label}"


# --- reading -------------------------------------------------------------------------------------

def reports_of(user: User) -> list[Document]:
    """The reports the user may read, newest period first."""
    return list(db.session.scalars(visible_reports(user).order_by(Document.period_end.desc(), Document.id.desc())))


def label(document: Document) -> str:
    return f"{document.label} — {period_words(document.period_start, document.period_end)}"


# --- figures -------------------------------------------------------------------------------------

def _counts(counts: reports.FindingCounts, name: str) -> dict:
    return {"name": name, "issued": counts.issued, "active": counts.active, "overdue": counts.overdue,
            "on_time": counts.on_time, "late": counts.late, "repeats": counts.repeats}


def _index_summary(units: list[reports.UnitRow], year: int | None) -> dict | None:
    indexed = sorted((r for r in units if r.index_total is not None), key=lambda r: (r.index_total, r.name))
    if year is None or not indexed:
        return None
    average = sum(r.index_total for r in indexed) / len(indexed)
    return {"year": year, "units": len(indexed), "average": number_text(round(average, 2)),
            "weakest": [{"name": r.name, "total": number_text(r.index_total)} for r in indexed[:3]]}


def figures_data(figures: reports.PeriodFigures) -> dict:
    """The period's figures as the report prints them (plain JSON, Vietnamese labels)."""
    t = figures.totals
    units = [r for r in figures.units if r.planned or r.open or r.closed]
    with force_locale("vi"):
        by_severity = [_counts(figures.by_severity[s], s.label) for s in Severity if s in figures.by_severity]
        by_area = [_counts(figures.by_area[a], a.label) for a in ParArea if a in figures.by_area]
    if "" in figures.by_area:
        by_area.append(_counts(figures.by_area[""], "Nội dung khác"))
    return {
        "totals": {"planned": t["planned"], "done": t["done"], "units_inspected": sum(1 for r in units if r.done),
                   "score": number_text(t["score"]), "open": t["open"], "overdue": t["overdue"],
                   "closed": t["closed"], "repeats": t["repeats"], "tasks": t["tasks"], "tasks_done": t["tasks_done"],
                   "tasks_overdue": t["tasks_overdue"]},
        "grades": [{"grade": g, "units": n} for g, n in sorted(figures.grades.items(), key=lambda kv: (-kv[1], kv[0]))],
        "findings": _counts(figures.findings, "Tổng số"), "by_severity": by_severity, "by_area": by_area,
        "units": [{"name": r.name, "planned": r.planned, "done": r.done, "score": number_text(r.score),
                   "grade": r.grade or "", "open": r.open, "overdue": r.overdue, "closed": r.closed} for r in units],
        "most_overdue": [{"name": r.name, "overdue": r.overdue} for r in figures.most_overdue],
        "index": _index_summary(figures.units, figures.index_year),
    }


def live_figures(document: Document) -> dict:
    """The figures of the document's period and scope as the data is now, seen as its writer sees them."""
    figures = reports.period_figures(document.created_by, document.period_start, document.period_end,
                                     clock.local_today(), scope_units(document.scope), MOST_OVERDUE)
    return figures_data(figures)


# --- drafts --------------------------------------------------------------------------------------

def _first_drafts(period: str, scope: str, f: dict) -> dict:
    """The narrative's first drafts, written from the figures (`scope` names a kind of unit, or is empty);
    counts the Vietnamese way (6.178), as the tables print them."""
    t, n, c = f["totals"], f["findings"], number_text
    grades = "; ".join(f"{c(g['units'])} đơn vị xếp loại {g['grade']}" for g in f["grades"])
    score = f"; điểm bình quân đạt {t['score']}%" if t["score"] != number_text(None) else ""
    achievements = [f"Trong {period}, đã tiến hành {c(t['done'])}/{c(t['planned'])} cuộc kiểm tra theo kế hoạch "
                    f"tại {c(t['units_inspected'])} cơ quan, đơn vị{' thuộc ' + scope if scope else ''}{score}"
                    + (f" ({grades})." if grades else "."),
                    f"Các đoàn kiểm tra đã chỉ ra {c(n['issued'])} tồn tại, hạn chế; các đơn vị đã khắc phục xong "
                    f"{c(n['on_time'] + n['late'])} ({c(n['on_time'])} đúng hạn, {c(n['late'])} trễ hạn)."]
    if t["tasks"]:
        achievements.append(f"Về nhiệm vụ được giao: đã hoàn thành {c(t['tasks_done'])}/{c(t['tasks'])} nhiệm vụ.")
    areas = sorted(f["by_area"], key=lambda a: -a["issued"])[:3]
    shortcomings = [f"Còn {c(n['active'])} tồn tại, hạn chế chưa khắc phục xong, trong đó {c(n['overdue'])} quá "
                    f"hạn; {c(n['repeats'])} tồn tại lặp lại từ lần kiểm tra trước."]
    if areas:
        shortcomings.append("Tồn tại tập trung ở các lĩnh vực: "
                            + "; ".join(f"{a['name'].lower()} ({c(a['issued'])})" for a in areas) + ".")
    if f["most_overdue"]:
        shortcomings.append("Các đơn vị còn nhiều tồn tại quá hạn: "
                            + "; ".join(f"{u['name']} ({c(u['overdue'])})" for u in f["most_overdue"]) + ".")
    if t["tasks_overdue"]:
        shortcomings.append(f"Còn {c(t['tasks_overdue'])} nhiệm vụ được giao đã quá hạn mà chưa hoàn thành.")
    overdue_units = ", ".join(u["name"] for u in f["most_overdue"])
    return {
        "achievements": "\n".join(achievements), "shortcomings": "\n".join(shortcomings),
        "causes": "Người đứng đầu một số cơ quan, đơn vị chưa quan tâm đúng mức đến việc chỉ đạo khắc phục tồn tại "
                  "sau kiểm tra; việc theo dõi, đôn đốc thực hiện kiến nghị chưa thường xuyên.",
        "proposals": (f"Đề nghị {overdue_units} khẩn trương khắc phục các tồn tại quá hạn, báo cáo kết quả kèm "
                      "minh chứng.\n" if overdue_units else "")
                     + "Đề nghị Ban Chỉ đạo chỉ đạo các cơ quan, đơn vị nghiêm túc thực hiện kiến nghị sau kiểm tra; "
                       "đưa kết quả khắc phục vào tiêu chí đánh giá, xếp loại cuối năm.",
    }


def _defaults(document: Document, figures: dict) -> dict:
    body = document.issuing_body
    period = period_words(document.period_start, document.period_end)
    return {
        "header_superior": body.superior_name, "header_issuer": body.name.upper(),
        "summary": f"Kết quả kiểm tra công tác cải cách hành chính, công vụ {period}",
        **_first_drafts(period, scope_words(document.scope) if document.scope else "", figures),
        "recipients": "Ban Chỉ đạo cải cách hành chính tỉnh;\nLưu: VT.",
        "signer_authority": "", "signer_title": body.signer_title, "signer_name": body.signer_name,
    }


def texts_of(document: Document, figures: dict | None = None) -> dict:
    """The report's texts, with the first drafts (from `figures`, else the live ones) for those never written."""
    defaults = _defaults(document, figures if figures is not None else compose(document)["figures"])
    return defaults | {key: value for key, value in (document.texts or {}).items() if key in defaults}


def _draft_of(start: date, end: date, scope: str) -> Document | None:
    """The draft report of the period and scope already started, if any."""
    return db.session.scalar(sa.select(Document).where(
        Document.kind == KIND, Document.status == DocumentStatus.DRAFT, Document.corrects_id.is_(None),
        Document.period_start == start, Document.period_end == end, Document.scope == scope).limit(1))


def start_report(actor: User, body: IssuingBody | None, start: date, end: date, scope: str) -> Document:
    """A draft report of the period and scope (the draft already started for them, if any)."""
    if not can_write_secretariat_documents(actor):
        raise NotPermitted(_("Only leaders and administrators write periodic reports."))
    if scope and scope not in {kind.value for kind in UnitKind}:
        raise ValidationFailed("scope", _("Choose the units the report covers."))
    if scope and not db.session.scalar(sa.select(sa.exists().where(Unit.kind == UnitKind(scope)))):
        raise ValidationFailed("scope", _("No unit is of this kind: choose other units."))
    if body is None or not body.active:
        raise ValidationFailed("issuing_body", _("Choose the body that issues the report."))
    found = _draft_of(start, end, scope)
    if found is not None:
        return found
    draft = Document(kind=KIND, status=DocumentStatus.DRAFT, issuing_body=body, period_start=start, period_end=end,
                     scope=scope, date=clock.local_today(), place="", created_by=actor, texts={})
    document = add_draft_once(draft, lambda: _draft_of(start, end, scope))
    if document is not draft:
        return document  # a start at the same moment made it
    audit.record(actor, "create", document, label(document), {"kind": [None, KIND.value]})
    db.session.commit()
    return document


def start_correction(actor: User, document: Document) -> Document:
    """A new draft correcting an issued report (which stays as it is); the one already started, if any."""
    def new_draft() -> Document:
        return Document(kind=KIND, status=DocumentStatus.DRAFT, issuing_body=document.issuing_body,
                        period_start=document.period_start, period_end=document.period_end, scope=document.scope,
                        date=clock.local_today(), place="", created_by=actor, corrects=document,
                        texts=dict(document.texts or {}))

    return secretariat_documents.start_correction(actor, document, new_draft, label)


def update_draft(actor: User, document: Document, row_version: int, doc_date: date | None, texts: dict) -> Document:
    """Save a draft's date and texts (as posted: clean_texts checks them)."""
    return secretariat_documents.save_draft(actor, document, row_version, doc_date, texts, label(document))


# --- composing -----------------------------------------------------------------------------------

def compose(document: Document) -> dict:
    """What the report says: its frozen snapshot once final, else drawn from the data now."""
    if document.snapshot is not None:
        return document.snapshot
    return _compose_live(document)


_SAVED = object()


def _compose_live(document: Document, texts: dict | None = None, doc_date=_SAVED) -> dict:
    body = document.issuing_body
    figures = live_figures(document)
    texts = texts_of(document, figures) | (texts or {})
    day = document.date if doc_date is _SAVED else doc_date
    corrects = document.corrects
    data = {
        "id": document.id, "kind": KIND.value, "number": document.number,
        "date": day.isoformat() if day else None, "date_words": day_words(day),
        "date_line": date_line(body.place_name, day),
        "body": {"name": body.name, "abbreviation": body.abbreviation, "place_name": body.place_name},
        "header": {"superior": texts["header_superior"], "issuer": texts["header_issuer"]},
        "texts": texts, "period": period_words(document.period_start, document.period_end),
        "scope": scope_words(document.scope), "figures": figures, "recipients": lines(texts.get("recipients", "")),
        "corrects": {"number": corrects.number, "date": short_date(corrects.date)} if corrects else None,
    }
    return nfc(data)


def preview(document: Document, doc_date: date | None, raw_texts: dict) -> dict:
    """The editor's live preview of unsaved input; a field that is wrong shows as saved."""
    return _compose_live(document, secretariat_documents.preview_texts(KIND, raw_texts), doc_date=doc_date)


# --- finalising, signing -------------------------------------------------------------------------

def _missing(document: Document, texts: dict) -> list[tuple[str | None, str]]:
    problems = []
    if document.date is None:
        problems.append(("date", _("Enter the document's date.")))
    for name, message in (("summary", _("Write the summary line.")),
                          ("header_issuer", _("Enter the issuing body as the header prints it.")),
                          ("achievements", _("Write the results achieved.")),
                          ("recipients", _("List the recipients."))):
        if not (texts.get(name) or "").strip():
            problems.append((name, message))
    return problems


def finalise_draft(actor: User, document: Document, render_html) -> Document:
    """Number a draft report and freeze it with its figures; `render_html` draws the page it keeps."""
    return with_numbering_retries(lambda draft: _finalise(actor, draft, render_html), document)


def _finalise(actor: User, document: Document, render_html) -> Document:
    if not secretariat_rights(actor, document).finalise:
        raise NotPermitted(_("Only a draft can be finalised, by who writes it."))
    data = _compose_live(document)
    problems = _missing(document, data["texts"])
    if problems:
        raise ValidationFailed(*problems[0], problems=problems)
    give_number(document)
    document.texts = data["texts"]
    db.session.flush()
    return secretariat_documents.finalise(actor, document, data | {"number": document.number}, render_html, label(document))


def upload_signed(actor: User, document: Document, filename: str, data: bytes):
    """The scan of the signed report: the report becomes signed."""
    attachment = secretariat_documents.attach_signed_scan(actor, document, filename, data, label(document))
    secretariat_documents.commit()
    return attachment
