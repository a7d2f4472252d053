import pytest
import sqlalchemy as sa

from app import create_app, normalise_database_url
from app.config import DevelopmentConfig, ProductionConfig
from app.extensions import db


@pytest.fixture
def instance_dir(tmp_path, monkeypatch):
    """Run config code against a throwaway instance folder and no stray environment."""
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    return tmp_path


def test_production_refuses_to_start_without_secret_key(instance_dir):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_refuses_a_short_secret_key(instance_dir, monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "dev")
    with pytest.raises(RuntimeError):
        create_app(ProductionConfig)


def test_production_starts_with_a_real_secret_and_secure_cookies(instance_dir, monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "x" * 64)
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_development_makes_a_secret_once_and_keeps_it(instance_dir):
    first = create_app(DevelopmentConfig).config["SECRET_KEY"]
    second = create_app(DevelopmentConfig).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (instance_dir / "secret_key").read_text() == first


def test_instance_config_overrides_the_class(instance_dir):
    (instance_dir / "config.py").write_text("PER_PAGE = 7\n")
    assert create_app(DevelopmentConfig).config["PER_PAGE"] == 7


def test_database_url_from_environment(instance_dir, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/kiemtra")
    app = create_app(DevelopmentConfig)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/kiemtra"


@pytest.mark.parametrize("url, expected", [
    ("postgresql://h/db", "postgresql+psycopg://h/db"),
    ("postgresql+psycopg://h/db", "postgresql+psycopg://h/db"),
    ("sqlite:///kiemtra.sqlite", "sqlite:///kiemtra.sqlite"),
])
def test_normalise_database_url(url, expected):
    assert normalise_database_url(url) == expected


def test_default_database_is_sqlite_in_instance_with_wal_and_foreign_keys(instance_dir):
    app = create_app(DevelopmentConfig)
    with app.app_context():
        assert db.engine.url.database == str(instance_dir / "kiemtra.sqlite")
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        db.engine.dispose()


def test_foreign_keys_are_enforced(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL always enforces foreign keys")
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text(
            "INSERT INTO unit (code, name, kind, parent_id, active, created_at, updated_at) "
            "VALUES ('X', 'X', 'other', 424242, 1, '2025-01-01', '2025-01-01')"))
        db.session.commit()
    db.session.rollback()
