"""The search keys of units, inspections and findings, and the words index behind the search box.

Vietnamese is searched without its marks: "tre han" finds "trễ hạn", "dak ha" finds "Đắk Hà". Each
searchable row keeps `search_key`, its text normalised in Python (`normalise`), and one `search_term`
row per distinct word of that key. A query word is a prefix range on `search_term.term` (`term >= 'tre'
AND term < 'trf'`), which both SQLite and PostgreSQL answer from the same btree index; the words of a
query are AND-ed. Nothing depends on a database's collation or accent functions, so both behave alike.

The key and the words are kept by two session listeners: before a flush the key of every new or changed
row is recomputed; after it, the words of the rows whose key changed (or that were deleted) are
rewritten in the same transaction. Bulk Core inserts (the scale seed, migrations) call `words()` and
write the rows themselves.
"""
import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db

TERM_LENGTH = 64
MAX_TERMS = 400  # per row: a long description is searchable by its first few hundred distinct words
_NOT_WORD = re.compile(r"[\W_]+")


def normalise(text: str | None) -> str:
    """Lower case, no diacritics, đ → d, words separated by single spaces: "Đắk Hà" → "dak ha"."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def words(text: str | None) -> list[str]:
    """The distinct words of a text's key, in order, each cut to the column's length."""
    seen: dict[str, None] = {}
    for word in normalise(text).split():
        seen.setdefault(word[:TERM_LENGTH], None)
        if len(seen) >= MAX_TERMS:
            break
    return list(seen)


def prefix_upper(word: str) -> str:
    """The first string after every string that starts with `word` (code point order)."""
    return word[:-1] + chr(ord(word[-1]) + 1)


class SearchTerm(db.Model):
    """One word of one row's search key: (kind, entity_id) names the row, e.g. ("finding", 42)."""

    __tablename__ = "search_term"
    __table_args__ = (
        # The prefix range of a query word, per kind, answered from the index alone.
        sa.Index("ix_search_term_kind_term", "kind", "term", "entity_id"),
        # A row's terms (rewritten when it changes), and whether a row has a word: a findings list searched
        # by two words looks up the second word's prefix per row, from the index alone.
        sa.Index("ix_search_term_kind_entity_term", "kind", "entity_id", "term"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    entity_id: Mapped[int]
    # Byte order on PostgreSQL whatever the database's collation, as SQLite compares: the prefix
    # ranges mean the same on both.
    term: Mapped[str] = mapped_column(
        sa.String(TERM_LENGTH).with_variant(sa.String(TERM_LENGTH, collation="C"), "postgresql"))


# --- what each kind of row is searched by ----------------------------------------------------------

def _texts_of(obj) -> tuple[str, list] | None:
    from app.models.directive import Directive
    from app.models.finding import Finding
    from app.models.inspection import Inspection
    from app.models.unit import Unit

    if isinstance(obj, Unit):
        return "unit", [obj.code, obj.name]
    if isinstance(obj, Inspection):
        return "inspection", [obj.decision_number, obj.title, obj.place]
    if isinstance(obj, Finding):
        return "finding", [obj.code, obj.title, obj.description, obj.recommendation]
    if isinstance(obj, Directive):
        return "directive", [obj.number, obj.subject, obj.signer_name]
    return None


def key_of(texts) -> str:
    return normalise(" ".join(t for t in texts if t))


def term_rows(kind: str, entity_id: int, key: str) -> list[dict]:
    return [{"kind": kind, "entity_id": entity_id, "term": word} for word in words(key)]


KINDS = ("unit", "inspection", "finding", "directive")


def _before_flush(session: Session, _context, _instances) -> None:
    changed = session.info.setdefault("search_changed", set())
    for obj in list(session.new) + list(session.dirty):
        found = _texts_of(obj)
        if found is None:
            continue
        key = key_of(found[1])
        if obj.search_key != key or obj in session.new:
            obj.search_key = key
            changed.add(obj)
    for obj in session.deleted:
        found = _texts_of(obj)
        if found is not None and obj.id is not None:
            session.info.setdefault("search_deleted", set()).add((found[0], obj.id))


def _after_flush(session: Session, _context) -> None:
    changed = session.info.pop("search_changed", set())
    deleted = session.info.pop("search_deleted", set())
    if not changed and not deleted:
        return
    table = SearchTerm.__table__
    connection = session.connection()
    stale = deleted | {(_texts_of(obj)[0], obj.id) for obj in changed}
    for kind in KINDS:
        ids = [entity_id for k, entity_id in stale if k == kind]
        if ids:
            connection.execute(table.delete().where(table.c.kind == kind, table.c.entity_id.in_(ids)))
    rows = [row for obj in changed for row in term_rows(_texts_of(obj)[0], obj.id, obj.search_key)]
    if rows:
        connection.execute(table.insert(), rows)


def _after_rollback(session: Session) -> None:
    session.info.pop("search_changed", None)
    session.info.pop("search_deleted", None)


sa.event.listen(Session, "before_flush", _before_flush)
sa.event.listen(Session, "after_flush", _after_flush)
sa.event.listen(Session, "after_soft_rollback", lambda session, _transaction: _after_rollback(session))
