"""Template filters: dates as dd/mm/yyyy in Vietnam's time, whatever the language."""
from datetime import date, datetime, timezone

import pytest

from app.formatting import date_filter, datetime_filter


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_dates_are_day_month_year_in_vietnam_time(app, locale):
    late_evening_utc = datetime(2026, 3, 12, 20, 5, tzinfo=timezone.utc)  # 03:05 on the 13th in Hà Nội
    with app.test_request_context(headers={"Accept-Language": locale}):
        assert date_filter(late_evening_utc) == "13/03/2026"
        assert datetime_filter(late_evening_utc) == "13/03/2026 03:05"
        assert datetime_filter(datetime(2026, 3, 12, 20, 5)) == "13/03/2026 03:05"  # naive means UTC
        assert date_filter(date(2026, 1, 2)) == "02/01/2026"
        assert date_filter(date(999, 1, 2)) == "02/01/0999"
        assert date_filter(None) == datetime_filter(None) == ""
