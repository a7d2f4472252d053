"""The search box in the header and its results page; the findings list's words without diacritics."""
from app.models import FindingStatus, InspectionStatus, Role
from tests import factories
from tests.conftest import HX, login


def make_data():
    unit = factories.make_unit(name="UBND huyện Đắk Hà")
    inspection = factories.make_inspection(unit=unit, status=InspectionStatus.CONCLUDED,
                                           title="Kiểm tra kỷ cương hành chính")
    late = factories.make_finding(inspection, status=FindingStatus.OPEN, title="Trễ hạn trả hồ sơ")
    factories.make_finding(inspection, status=FindingStatus.OPEN, title="Thiếu sổ theo dõi")
    return unit, inspection, late


def test_the_header_has_one_search_box(client_as):
    page = client_as("leader").get("/").get_data(as_text=True)
    assert 'class="header-search"' in page and 'action="/reports/search"' in page


def test_results_grouped_by_kind_without_diacritics(app, client_as):
    unit, inspection, late = make_data()
    client = client_as("leader")
    page = client.get("/reports/search?q=dak+ha").get_data(as_text=True)
    assert 'id="search-units"' in page and "UBND huyện Đắk Hà" in page
    page = client.get("/reports/search?q=TRE+HAN").get_data(as_text=True)
    assert 'id="search-findings"' in page and "Trễ hạn trả hồ sơ" in page and "Thiếu sổ theo dõi" not in page
    page = client.get("/reports/search?q=ky+cuong").get_data(as_text=True)
    assert 'id="search-inspections"' in page and "Kiểm tra kỷ cương hành chính" in page


def test_search_page_full_and_fragment(app, client_as):
    make_data()
    client = client_as("leader")
    full = client.get("/reports/search?q=tre")
    assert "<html" in full.get_data(as_text=True)
    fragment = client.get("/reports/search?q=tre", headers=HX)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="search-results"' in body and "Trễ hạn trả hồ sơ" in body
    assert "HX-Request" in fragment.headers["Vary"]
    nothing = client.get("/reports/search?q=xyzzy").get_data(as_text=True)
    assert 'class="empty"' in nothing and 'id="search-findings"' not in nothing


def test_a_unit_head_finds_only_their_units_things(app, client):
    unit, _inspection, _late = make_data()
    other = factories.make_user(Role.UNIT_HEAD)
    login(client, other)
    page = client.get("/reports/search?q=dak+ha").get_data(as_text=True)
    assert "UBND huyện Đắk Hà" not in page
    page = client.get("/reports/search?q=tre+han").get_data(as_text=True)
    assert "Trễ hạn trả hồ sơ" not in page


def test_the_findings_list_searches_without_diacritics(app, client_as):
    make_data()
    client = client_as("leader")
    for q in ("tre han", "Trễ", "TRE HAN TRA"):
        body = client.get("/findings/", query_string={"q": q}, headers=HX).get_data(as_text=True)
        assert "Trễ hạn trả hồ sơ" in body and "Thiếu sổ theo dõi" not in body, q


def test_search_needs_a_login(client):
    response = client.get("/reports/search?q=x")
    assert response.status_code in (302, 401)
