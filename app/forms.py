"""Helpers shared by every feature's forms."""
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

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


class Form(FlaskForm):
    """The base of every form: WTForms' own messages come out in the user's language."""

    class Meta:
        def get_translations(self, form):
            return _BabelTranslations()


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
