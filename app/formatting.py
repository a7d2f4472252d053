"""Template filters: dates as dd/mm/yyyy in the configured time zone (Asia/Ho_Chi_Minh)."""
from datetime import date, datetime

from flask_babel import format_date, format_datetime


def date_filter(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "dd/MM/yyyy")
    return format_date(value, "dd/MM/yyyy")


def datetime_filter(value: datetime | None) -> str:
    return format_datetime(value, "dd/MM/yyyy HH:mm") if value else ""


def init_app(app):
    app.add_template_filter(date_filter, "date")
    app.add_template_filter(datetime_filter, "datetime")
