"""Every migration runs on an empty database, and then the models match the migrations (`flask db check`)."""
import uuid

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import TestingConfig
from tests.conftest import TEST_DATABASE_URL


@pytest.fixture
def empty_database_url(tmp_path):
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    # A database of its own on the same server, dropped afterwards.
    name = f"kiemtra_migrations_{uuid.uuid4().hex[:8]}"
    server = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield server.url.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    server.dispose()


def test_migrations_build_the_schema_the_models_describe(empty_database_url):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from app.extensions import db

        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"unit", "user", "issuing_body", "audit_event", "alembic_version"} <= tables
        db.engine.dispose()
