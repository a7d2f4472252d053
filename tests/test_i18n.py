"""The Vietnamese catalog is complete, and dates print as dd/mm/yyyy in Asia/Ho_Chi_Minh."""
import re
from datetime import date, datetime, timezone
from pathlib import Path

from babel.messages.pofile import read_po

from app.formatting import date_filter, datetime_filter

CATALOG = Path(__file__).resolve().parent.parent / "app/translations/vi/LC_MESSAGES/messages.po"
TEMPLATE = CATALOG.parents[2] / "messages.pot"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_vietnamese_catalog_translates_every_message():
    with CATALOG.open("rb") as f:
        catalog = read_po(f)
    with TEMPLATE.open("rb") as f:
        template = read_po(f)
    missing = [m.id for m in template if m.id and (catalog.get(m.id) is None or not catalog.get(m.id).string)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not missing, f"untranslated: {missing}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    for message in catalog:
        if message.id:
            source = message.id if isinstance(message.id, str) else message.id[0]
            target = message.string if isinstance(message.string, str) else message.string[0]
            assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(target)), source


def test_dates_are_day_month_year_in_vietnam_time(app):
    with app.test_request_context():
        # 20:30 UTC on 31/12 is already 1 January in Hà Nội (UTC+7).
        assert datetime_filter(datetime(2025, 12, 31, 20, 30, tzinfo=timezone.utc)) == "01/01/2026 03:30"
        assert date_filter(datetime(2025, 12, 31, 20, 30, tzinfo=timezone.utc)) == "01/01/2026"
        assert date_filter(date(2025, 7, 1)) == "01/07/2025"
        assert date_filter(None) == ""
