"""Formatting of numbers and dates, for the templates (as filters) and the documents: dates as
dd/mm/yyyy in the configured time zone (Asia/Ho_Chi_Minh).

Dates are written with digits only, the same in every language, so plain formatting does it: a
checklist page shows hundreds of them, and Babel's pattern formatting costs ten times more.
"""
from datetime import date, datetime

from babel import Locale
from babel.numbers import format_decimal
from flask_babel import get_locale, to_user_timezone

NUMBER_FORMAT = "#,##0.##"


def day_text(day: date) -> str:
    """A day as dd/mm/yyyy, digits only."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def time_and_day_text(moment: datetime) -> str:
    """A local time as hh:mm dd/mm/yyyy (a photo's caption in the documents)."""
    return f"{moment.hour:02d}:{moment.minute:02d} {day_text(moment.date())}"


def date_filter(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value)
    return day_text(value)


def datetime_filter(value: datetime | None) -> str:
    if not value:
        return ""
    local = to_user_timezone(value)
    return f"{date_filter(local.date())} {local.hour:02d}:{local.minute:02d}"


def number_text(value, locale: str | Locale) -> str:
    """A number the way of `locale`: 66,67 in Vietnamese, 66.67 in English; no needless decimals."""
    return format_decimal(value, format=NUMBER_FORMAT, locale=locale)


def number_filter(value) -> str:
    """A number the user's way."""
    return "" if value is None else number_text(value, get_locale())


def document_number_filter(value) -> str:
    """A number in a document, which is in Vietnamese whatever the user's language: 6.178, 66,67."""
    return "" if value is None else number_text(value, "vi")


def init_app(app):
    app.add_template_filter(number_filter, "number")
    app.add_template_filter(document_number_filter, "vi_number")
    app.add_template_filter(date_filter, "date")
    app.add_template_filter(datetime_filter, "datetime")
