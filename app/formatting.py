"""Template filters: dates as dd/mm/yyyy in the configured time zone (Asia/Ho_Chi_Minh).

Dates are written with digits only, the same in every language, so plain formatting does it: a
checklist page shows hundreds of them, and Babel's pattern formatting costs ten times more.
"""
from datetime import date, datetime

from flask_babel import format_decimal, to_user_timezone


def date_filter(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value)
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def datetime_filter(value: datetime | None) -> str:
    if not value:
        return ""
    local = to_user_timezone(value)
    return f"{date_filter(local.date())} {local.hour:02d}:{local.minute:02d}"


def number_filter(value) -> str:
    """A number the local way: 66,67 in Vietnamese, 66.67 in English; no needless decimals."""
    return "" if value is None else format_decimal(value, format="#,##0.##")


def init_app(app):
    app.add_template_filter(number_filter, "number")
    app.add_template_filter(date_filter, "date")
    app.add_template_filter(datetime_filter, "datetime")
