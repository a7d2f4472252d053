"""Template filters: dates as dd/mm/yyyy in the configured time zone (Asia/Ho_Chi_Minh).

Dates are written with digits only, the same in every language, so strftime does it: a checklist
page shows hundreds of them, and Babel's pattern formatting costs ten times more.
"""
from datetime import date, datetime

from flask_babel import format_decimal, to_user_timezone


def date_filter(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value)
    return value.strftime("%d/%m/%Y")


def datetime_filter(value: datetime | None) -> str:
    return to_user_timezone(value).strftime("%d/%m/%Y %H:%M") if value else ""


def number_filter(value) -> str:
    """A number the local way: 66,67 in Vietnamese, 66.67 in English; no needless decimals."""
    return "" if value is None else format_decimal(value, format="#,##0.##")


def init_app(app):
    app.add_template_filter(number_filter, "number")
    app.add_template_filter(date_filter, "date")
    app.add_template_filter(datetime_filter, "datetime")
