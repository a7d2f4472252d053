"""Reporting periods of ongoing tasks: a month, a quarter, a half-year or a year, each named by its
last day."""
from calendar import monthrange
from datetime import date

from flask_babel import gettext as _

from app.models import ReportingCycle

MONTHS = {ReportingCycle.MONTH: 1, ReportingCycle.QUARTER: 3, ReportingCycle.HALF_YEAR: 6, ReportingCycle.YEAR: 12}
ROMAN = ("I", "II", "III", "IV")


def _month_end(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def period_end(day: date, cycle: ReportingCycle) -> date:
    """The last day of the period of `cycle` that holds `day`."""
    length = MONTHS[cycle]
    last_month = ((day.month - 1) // length + 1) * length
    return _month_end(day.year, last_month)


def period_start(end: date, cycle: ReportingCycle) -> date:
    return date(end.year, end.month - MONTHS[cycle] + 1, 1)


def next_period_end(end: date, cycle: ReportingCycle) -> date:
    """The last day of the period after the one that ends on `end`."""
    month = end.month + MONTHS[cycle]
    year = end.year + (month - 1) // 12
    return _month_end(year, (month - 1) % 12 + 1)


def period_label(end: date, cycle: ReportingCycle) -> str:
    """"Tháng 05/2026", "Quý II/2026", "6 tháng đầu năm 2026", "Năm 2026"."""
    if cycle == ReportingCycle.MONTH:
        return _("Month %(month)02d/%(year)d", month=end.month, year=end.year)
    if cycle == ReportingCycle.QUARTER:
        return _("Quarter %(quarter)s/%(year)d", quarter=ROMAN[(end.month - 1) // 3], year=end.year)
    if cycle == ReportingCycle.HALF_YEAR:
        if end.month <= 6:
            return _("First half of %(year)d", year=end.year)
        return _("Second half of %(year)d", year=end.year)
    return _("Year %(year)d", year=end.year)
