"""In Chromium at 1024×768: a leader opens the oversight dashboard from the home page on a province's
worth of data, sorts the units by overdue findings (htmx swaps the table, the URL follows), finds a unit
with the header's search box typed without accents, and looks at the A4 report as printed."""
import pytest

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def volume(live):
    app, base = live
    result = app.test_cli_runner().invoke(args=["seed-demo", "--scale", "1", "--years", "3"])
    assert result.exit_code == 0, result.output
    return base


def figures(page, name):
    return [int(text) for text in page.locator(f"#report-units tbody a[data-figure={name}]").all_inner_texts()]


def test_leader_dashboard_sort_search_and_print(volume, tablet_landscape):
    page, base = tablet_landscape, volume
    log_in(page, base, "leader")
    page.click("#home-oversight")
    page.wait_for_url(f"{base}/reports/")
    assert page.locator("#report-units tbody tr").count() == 50 and page.locator(".pagination").is_visible()
    assert page.locator("#chart-heat svg rect").count() > 50 and page.locator("#chart-monthly svg").is_visible()
    screenshot(page, "reports-dashboard-1024x768", full_page=False)
    screenshot(page, "reports-dashboard-full-1024x768")

    page.click("#report-units thead a:has-text('Overdue'), #report-units thead a:has-text('Quá hạn')")
    page.wait_for_url(lambda url: "sort=overdue" in url)
    page.wait_for_selector("#report-units th[aria-sort=descending]")
    overdue = figures(page, "overdue")
    assert overdue == sorted(overdue, reverse=True) and overdue[0] > 0
    # The number links to the list behind it, which has as many findings.
    first = page.locator("#report-units tbody a[data-figure=overdue]").first
    first.click()
    page.wait_for_url(lambda url: "/findings/" in url and "overdue=1" in url)
    assert page.locator("#finding-results").inner_text().split()[0] == str(overdue[0])

    page.fill("#header-q", "ubnd tinh quang ngai")
    page.press("#header-q", "Enter")
    page.wait_for_url(lambda url: "/reports/search" in url)
    assert "UBND tỉnh Quảng Ngãi" in page.locator("#search-units").inner_text()

    page.goto(f"{base}/reports/print")
    page.emulate_media(media="print")
    assert page.locator(".chart-data table").count() == 5 and not page.locator("details").count()
    screenshot(page, "reports-print-a4", full_page=True)
