"""Fixtures: an app on a fresh database per test, a client per role, htmx headers.

The suite runs on a SQLite file per test; with TEST_DATABASE_URL set it runs on that database
instead (PostgreSQL in CI).
"""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app import create_app
from app.config import TestingConfig
from app.extensions import db
from app.models import Role
from tests import factories, s3

ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
HX = {"HX-Request": "true"}


def pytest_sessionstart(session):
    """Tests read the Vietnamese UI, so the catalogs must be compiled (as `make run` does)."""
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "compile", "-d", "app/translations"],
        cwd=ROOT, check=True, capture_output=True,
    )


class RequestIsolatingClient(FlaskClient):
    """Each request runs in its own app context (fresh `g`, its own database session), as in
    production, although the test body itself runs inside an app context."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def database_overrides(tmp_path) -> dict:
    """A SQLite file per test (separate connections, as in production), or TEST_DATABASE_URL."""
    return {"SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.sqlite'}"}


@pytest.fixture
def app(tmp_path):
    app = create_app(TestingConfig, **database_overrides(tmp_path))
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def instance(app, tmp_path, monkeypatch):
    """The app's instance folder in the test's own tmp_path: uploads never land in the repository."""
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setattr(app, "instance_path", str(folder))
    return folder


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def login(client, user, password=factories.PASSWORD):
    """Log in through the real form, as a user would."""
    response = client.post("/auth/login", data={"username": user.username, "password": password})
    assert response.status_code == 303, response.data.decode()
    return client


@pytest.fixture
def admin(app):
    return factories.make_user(Role.ADMIN, username="admin")


@pytest.fixture
def leader(app):
    return factories.make_user(Role.LEADER, username="leader")


@pytest.fixture
def inspector(app):
    return factories.make_user(Role.INSPECTOR, username="inspector")


@pytest.fixture
def unit_head(app):
    return factories.make_user(Role.UNIT_HEAD, username="unithead")


@pytest.fixture
def lead(app):
    """The team leader of `inspection`."""
    return factories.make_user(Role.INSPECTOR, full_name="Trần Thị Kiểm")


@pytest.fixture
def inspection(lead):
    """An inspection in progress, led by `lead`, with a published checklist of three pass/fail items."""
    from app.models import InspectionStatus, TemplateStatus

    template = factories.make_template(status=TemplateStatus.PUBLISHED, items=3)
    return factories.make_inspection(status=InspectionStatus.IN_PROGRESS, lead=lead, template=template)


@pytest.fixture
def item(inspection):
    """The first item of `inspection`'s checklist."""
    return inspection.template.sections[0].items[0]


@pytest.fixture
def as_admin(client, admin):
    return login(client, admin)


@pytest.fixture
def client_as(app, request):
    """client_as("leader") → a client logged in with a fresh user of that role."""

    def make(role_name: str):
        user = factories.make_user(Role(role_name))
        return login(app.test_client(), user)

    return make


@pytest.fixture(scope="session")
def seaweed():
    """One SeaweedFS server for the whole run (it takes a few seconds to start); each test makes its own
    bucket."""
    reason = s3.skip_reason()
    if reason:
        print(reason)
        pytest.skip(reason)
    server = s3.SeaweedServer().start()
    yield server
    server.stop()


@pytest.fixture
def s3_storage(app, seaweed, monkeypatch):
    """The app's files in a new bucket of the test's own, under a prefix, as production would have them."""
    for name, value in s3.ACCESS.items():
        monkeypatch.setenv(name, value)
    bucket = seaweed.new_bucket(f"kiemtra-{uuid.uuid4().hex[:12]}")
    app.config.update(STORAGE_URL=f"s3://{bucket}/evidence", S3_ENDPOINT_URL=seaweed.endpoint)
    return bucket
