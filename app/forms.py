"""Helpers shared by every feature's forms."""
from dataclasses import dataclass

from flask import abort, current_app, request
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms import StringField

from app.extensions import db
from app.services.errors import ValidationFailed

# WTForms ships no Vietnamese catalog: its built-in messages are translated in ours.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid date value."),
    _l("Not a valid choice."),
    _l("Not a valid float value."),
    _l("Invalid email address."),
    _l("Field cannot be longer than %(max)d character."),
    _l("Field cannot be longer than %(max)d characters."),
    _l("Field must be at least %(min)d character long."),
    _l("Field must be at least %(min)d characters long."),
    _l("Field must be between %(min)d and %(max)d characters long."),
)


class _BabelTranslations:
    def gettext(self, string):
        return get_translations().gettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ngettext(singular, plural, n)


def _text(value):
    """A text field left out of a posted form is "", never None: views strip and compare text."""
    return "" if value is None else value


class Form(FlaskForm):
    """The base of every form: WTForms' own messages come out in the user's language, and text
    fields hold text even when a request leaves them out."""

    class Meta:
        def get_translations(self, form):
            return _BabelTranslations()

        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField):
                options["filters"] = [_text, *unbound_field.kwargs.get("filters", ())]
            return super().bind_field(form, unbound_field, options)


def apply_error(form, error: ValidationFailed) -> None:
    """Put each of a service's validation messages beside its field, or above the form."""
    for name, message in error.problems:
        field = getattr(form, name, None) if name else None
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)


def form_status(form) -> int:
    """422 when the form carries errors (htmx swaps 422 back into the page), else 200."""
    return 422 if form.form_errors or any(field.errors for field in form) else 200


def clamp_year(year: int | None) -> int | None:
    """A year typed into the URL, kept to what a date can hold and an inspection plan can mean."""
    return min(max(year, 1990), 2100) if year else None


# The largest integer an id or number column holds: INTEGER is 32 bits on PostgreSQL (SQLite's 64).
DB_INT_MAX = 2**31 - 1


class IdConverter(IntegerConverter):
    """<int:…> in every route: a number a database column holds; a bigger one answers 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def db_int(value: str) -> int:
    """For request.args.get(…, type=db_int): a number that fits a column; anything else (a huge
    number too) raises ValueError, so the argument counts as absent, like a word would."""
    number = int(value)
    if not -DB_INT_MAX <= number <= DB_INT_MAX:
        raise ValueError(value)
    return number


def page_args() -> tuple[int, int]:
    """The page asked for in the URL, kept to what an offset can hold, and the rows per page."""
    per_page = current_app.config["PER_PAGE"]
    return min(max(request.args.get("page", 1, type=int) or 1, 1), DB_INT_MAX // per_page), per_page


def paginate(query):
    """db.paginate on the page from the URL: a page past the last one answers 404
    (Flask-SQLAlchemy), never a database error."""
    page, per_page = page_args()
    return db.paginate(query, page=page, per_page=per_page)


@dataclass(frozen=True)
class Page:
    """One page of a list that reads its own pages, shaped as the pagination macro expects."""

    items: list
    page: int
    pages: int
    total: int

    @classmethod
    def of(cls, rows: list, page: int, per_page: int) -> "Page":
        """A page of a list in memory (a page past the last one shows the last)."""
        pages = max(1, -(-len(rows) // per_page))
        page = min(max(page, 1), pages)
        return cls(rows[(page - 1) * per_page: page * per_page], page, pages, len(rows))

    @classmethod
    def read(cls, items: list, total: int, page: int, per_page: int) -> "Page":
        """A page read from the database with the list's total: past the last page, 404 (as paginate)."""
        if not items and page > 1:
            abort(404)
        return cls(items, page, max(1, -(-total // per_page)), total)

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)
