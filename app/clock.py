"""The one clock. Times are stored in UTC (`utcnow`, for models) and dated in the app's time zone,
Asia/Ho_Chi_Minh: a deadline, a document's date or the year of a plan is a Vietnamese calendar day,
whatever zone the server runs in (seven hours apart around midnight and New Year)."""
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

from app.models.base import utcnow


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_now() -> datetime:
    return utcnow().astimezone(zone())


def local_today() -> date:
    return local_now().date()


def start_of_local_day(day: date) -> datetime:
    """Midnight of a local calendar day, as an aware datetime (comparable with stored UTC times)."""
    return datetime.combine(day, time.min, tzinfo=zone())


def local_day(moment: datetime) -> date:
    """The local calendar day of a stored (UTC) time."""
    return moment.astimezone(zone()).date()
