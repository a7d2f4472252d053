"""Malformed input answers 4xx with a message, never 500: huge numbers in paths and filters,
nameless multipart parts, forms with fields left out, JSON nested too deep; and a property-based
walk of every route of the URL map with malformed parameters and form fields."""
import io
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models import Role
from tests.conftest import login
from tests.factories import make_user

HUGE = "99999999999999999999"
MAX_PLUS_ONE = str(2**31)  # one past PostgreSQL's INTEGER


@pytest.mark.parametrize("url", [f"/findings/{HUGE}", f"/units/{MAX_PLUS_ONE}", f"/inspections/{HUGE}/checklist",
                                 f"/documents/{HUGE}/print", f"/findings/?page={2**63 - 1}", f"/findings/{2**63}",
                                 f"/inspections/?page={HUGE}"])
def test_numbers_no_column_holds_answer_404(client_as, url):
    response = client_as("leader").get(url)
    assert response.status_code == 404
    assert "Không tìm thấy" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", [f"/findings/?unit={HUGE}", f"/findings/?inspection={MAX_PLUS_ONE}",
                                 f"/inspections/?unit={HUGE}", f"/reports/export/inspections.csv?unit={HUGE}",
                                 f"/units/new?parent={HUGE}"])
def test_number_filters_no_column_holds_are_ignored(client_as, url):
    assert client_as("admin").get(url).status_code == 200


def test_a_nameless_multipart_part_is_refused_by_the_csrf_check_without_login(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    body = b"--B\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--B--\r\n"
    response = client.post("/auth/login", data=body, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 400
    assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)


def test_a_nameless_multipart_part_is_ignored_when_logged_in(client_as):
    body = b"--B\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--B--\r\n"
    response = client_as("leader").post("/inspections/new", data=body, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 422


def test_a_new_inspection_without_legal_basis_is_a_form_error(client_as):
    response = client_as("leader").post("/inspections/new", data={"title": "Kiểm tra", "kind": "planned"})
    assert response.status_code == 422
    assert "Trường này là bắt buộc" in response.get_data(as_text=True)


def test_a_new_user_without_title_or_email_is_created(as_admin):
    data = {"username": "moi", "full_name": "Người mới", "role": "inspector", "locale": "vi",
            "password": "long-enough-1", "confirm": "long-enough-1"}
    assert as_admin.post("/admin/users/new", data=data).status_code == 303


def test_json_nested_too_deep_is_refused_with_a_message(as_admin):
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    response = as_admin.post("/checklists/import", data={"file": (io.BytesIO(deep), "deep.json")},
                             content_type="multipart/form-data")
    assert response.status_code == 422
    assert "lồng nhau quá sâu" in response.get_data(as_text=True)


# --- every route, malformed --------------------------------------------------------------------

MALFORMED = st.one_of(
    st.sampled_from([HUGE, MAX_PLUS_ONE, "-1", "0", "1e9", "NaN", "", " ", "%00", "../../etc/passwd", "{n}",
                     "<script>", "'; --", "ạ" * 300, "\u202e", "9" * 400]),
    st.text(max_size=40),
)
NUMBERS = st.one_of(st.sampled_from([0, 1, 2**31 - 1, 2**31, 2**63 - 1, 2**63]), st.integers(min_value=0, max_value=2**64))
# The query arguments and form fields the views read.
NAMES = ["page", "unit", "year", "inspection", "status", "severity", "q", "s", "sort", "dir", "overdue", "repeat",
         "parent", "heat", "next", "locale", "title", "legal_basis", "kind", "role", "username", "password",
         "email", "text", "reason", "due_date", "unit_id", "item", "file", "action", "then", "row_version"]


def routes(app):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"), key=lambda r: r.rule)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=st.data())
def test_no_route_answers_500_to_malformed_parameters(app, data):
    if not hasattr(app, "_fuzz_users"):
        app._fuzz_users = {role: make_user(role) for role in Role}
    rule = data.draw(st.sampled_from(routes(app)), label="route")

    def argument(match):
        converter, name = match.group(1), match.group(2)
        value = data.draw(NUMBERS if converter == "int" else MALFORMED, label=name)
        return quote(str(value), safe="")

    path = re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", argument, rule.rule)
    fields = data.draw(st.dictionaries(st.sampled_from(NAMES), MALFORMED, max_size=6), label="fields")
    role = data.draw(st.sampled_from([None, *Role]), label="role")
    client = app.test_client()
    if role is not None:
        login(client, app._fuzz_users[role])
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        if method == "GET":
            response = client.get(path, query_string=fields)
        else:
            response = client.open(path, method=method, data=fields)
        assert response.status_code < 500, (method, path, fields, response.status_code)
        response.close()
