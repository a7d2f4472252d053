"""Template filters: dates as dd/mm/yyyy in the configured time zone (Asia/Ho_Chi_Minh)."""
from datetime import date, datetime

from flask_babel import format_date, format_datetime, format_decimal


def date_filter(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "dd/MM/yyyy")
    return format_date(value, "dd/MM/yyyy")


def datetime_filter(value: datetime | None) -> str:
    return format_datetime(value, "dd/MM/yyyy HH:mm") if value else ""


def number_filter(value) -> str:
    """A number the local way: 66,67 in Vietnamese, 66.67 in English; no needless decimals."""
    return "" if value is None else format_decimal(value, format="#,##0.##")


def init_app(app):
    app.add_template_filter(number_filter, "number")
    app.add_template_filter(date_filter, "date")
    app.add_template_filter(datetime_filter, "datetime")
