"""What the secretariat's two documents, the year's plan (app.services.plan_documents) and the
periodic report (app.services.period_reports), do alike: save a draft's date and texts, freeze a
numbered draft with the data it was drawn from, take the signed scan. Each kind's module draws its
own data, says what a draft still misses and whom a signed one is announced to; `label` names the
document in the audit trail."""
from collections.abc import Callable
from datetime import date

from flask_babel import gettext as _

from app.extensions import db
from app.models import Attachment, Document, DocumentKind, DocumentStatus, User
from app.models.base import utcnow
from app.services import audit, documents
from app.services.documents import add_draft_once, clean_texts, draft_correction, nfc
from app.services.errors import NotPermitted, ValidationFailed
from app.services.permissions import secretariat_rights
from app.services.transactions import commit_or_stale


def start_correction(actor: User, document: Document, new_draft: Callable[[], Document],
                     label: Callable[[Document], str]) -> Document:
    """A new draft, made by `new_draft`, that corrects an issued document (which stays as it is); the
    correction already started, if any."""
    if not secretariat_rights(actor, document).correct:
        raise NotPermitted(_("This document cannot be corrected by you now."))
    found = draft_correction(document)
    if found is not None:
        return found
    draft = new_draft()
    correction = add_draft_once(draft, lambda: draft_correction(document))
    if correction is draft:  # else a start at the same moment made it
        audit.record(actor, "correct", correction, label(correction), {"corrects": [None, document.number]})
        db.session.commit()
    return correction


def save_draft(actor: User, document: Document, row_version: int, doc_date: date | None, texts: dict,
               label: str) -> Document:
    """Save a draft's date and texts (as posted: clean_texts checks them)."""
    if not secretariat_rights(actor, document).edit:
        raise NotPermitted(_("Only a draft can be edited, by who writes it."))
    if row_version != document.row_version:
        raise ValidationFailed(None, _("Someone else changed this document meanwhile. Reload the page to see "
                                       "their changes, then make yours again."))
    cleaned = clean_texts(document.kind, texts)
    before = {"date": document.date.isoformat() if document.date else None, **(document.texts or {})}
    document.date, document.texts = doc_date, cleaned
    changes = audit.diff(before, {"date": doc_date.isoformat() if doc_date else None, **cleaned})
    if changes:
        document.updated_at = utcnow()
        audit.record(actor, "update", document, label, changes)
    commit()
    return document


def preview_texts(kind: DocumentKind, raw_texts: dict) -> dict:
    """The editor's unsaved texts as the live preview shows them: checked, and a wrong one left out (the
    saved text shows in its place)."""
    try:
        return clean_texts(kind, raw_texts)
    except ValidationFailed as error:
        wrong = dict(error.problems)
        return {name: nfc(str(raw_texts.get(name) or "")).strip() for name in raw_texts if name not in wrong}


def finalise(actor: User, document: Document, data: dict, render_html: Callable[[dict], str], label: str) -> Document:
    """Freeze a numbered draft with `data` (app.services.documents.freeze), audited and committed."""
    documents.freeze(actor, document, data, render_html)
    audit.record(actor, "finalise", document, label,
                 {"status": [DocumentStatus.DRAFT.value, DocumentStatus.FINAL.value], "number": [None, document.number]})
    db.session.commit()
    return document


def attach_signed_scan(actor: User, document: Document, filename: str, data: bytes, label: str) -> Attachment:
    """The scan of the signed document: the document becomes signed. The caller commits, with whatever
    it announces."""
    if not secretariat_rights(actor, document).sign:
        raise NotPermitted(_("Only who finalised this kind of document uploads its signed scan, once it is final."))
    return documents.attach_signed_scan(actor, document, filename, data, label)


def commit() -> None:
    commit_or_stale(_("Someone else changed this document meanwhile. Reload the page and try again."))
