"""Each role against each administrator URL: allowed, or refused with 403."""
import pytest

from app.models import Role
from tests.conftest import HX

ADMIN_URLS = [
    "/units/",
    "/units/new",
    "/units/import",
    "/admin/users",
    "/admin/users/new",
    "/admin/issuing-bodies",
    "/admin/issuing-bodies/new",
    "/admin/audit",
]


@pytest.mark.parametrize("url", ADMIN_URLS)
@pytest.mark.parametrize("role, status", [("admin", 200), ("leader", 403), ("inspector", 403), ("unit_head", 403)])
def test_admin_pages_by_role(client_as, url, role, status):
    assert client_as(role).get(url).status_code == status


@pytest.mark.parametrize("url", ADMIN_URLS)
def test_anonymous_options_request_is_refused_not_a_crash(client, url):
    assert client.options(url).status_code == 403


@pytest.mark.parametrize("url", ADMIN_URLS)
def test_admin_pages_need_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/auth/login")


@pytest.mark.parametrize("role", ["leader", "inspector", "unit_head"])
def test_non_admins_cannot_post_admin_actions(client_as, role):
    client = client_as(role)
    response = client.post("/units/new", data={"code": "X", "name": "X", "kind": "department"})
    assert response.status_code == 403
    assert "Không có quyền" in response.get_data(as_text=True)


def test_forbidden_fragment_for_htmx(client_as):
    response = client_as("inspector").get("/admin/users", headers=HX)
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="error"' in body


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_navigation_shows_admin_links_only_to_admins(client_as, role):
    page = client_as(role).get("/").get_data(as_text=True)
    assert ('href="/admin/users"' in page) == (role == "admin")


def test_inspector_home_lists_own_inspections_under_way(app, client):
    from app.models import InspectionStatus
    from tests.conftest import login
    from tests.factories import make_inspection, make_user

    inspector = make_user()
    mine = make_inspection(lead=inspector, status=InspectionStatus.IN_PROGRESS, title="Cuộc đang làm")
    make_inspection(status=InspectionStatus.IN_PROGRESS, title="Cuộc của người khác")
    page = login(client, inspector).get("/").get_data(as_text=True)
    assert "Cuộc đang làm" in page and "Cuộc của người khác" not in page
    assert f"/inspections/{mine.id}/checklist" in page


def test_leader_home_counts_the_years_findings_from_the_dashboard(app, client_as):
    """The leader's figures are the dashboard's kept totals for this year, said so, and link there."""
    from datetime import date, timedelta

    from app import clock
    from app.models import FindingStatus, InspectionStatus
    from tests.factories import make_finding, make_inspection

    today = clock.local_today()
    this_year = make_inspection(status=InspectionStatus.CONCLUDED, planned_start=today, planned_end=today)
    last_year = make_inspection(status=InspectionStatus.CONCLUDED, planned_start=date(today.year - 1, 3, 10),
                                planned_end=date(today.year - 1, 3, 12))
    make_finding(this_year, FindingStatus.OPEN)
    make_finding(this_year, FindingStatus.OPEN, due_date=today - timedelta(days=1))
    make_finding(last_year, FindingStatus.OPEN, due_date=today - timedelta(days=1))
    page = client_as("leader").get("/").get_data(as_text=True)
    assert f"năm {today.year}: 2 tồn tại chưa kết thúc, 1 quá hạn" in page
    assert f'href="/reports/?year={today.year}"' in page
