"""Login throttling counted in Redis (RATELIMIT_STORAGE_URI): every worker and server counts together.

Runs against a real Redis at TEST_REDIS_URL (default redis://127.0.0.1:6379/0), skipped when none answers.
"""
import os
import uuid
from contextlib import contextmanager

import pytest
import redis

from app import create_app
from app.config import TestingConfig
from app.extensions import db
from tests.conftest import RequestIsolatingClient, database_overrides
from tests.factories import PASSWORD, make_user
from tests.web.test_auth import post_login

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def username():
    """A username and address of this test's own: its counters in Redis are its own (removed afterwards)."""
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    name = f"redis-{uuid.uuid4().hex[:8]}"
    yield name
    for key in connection.scan_iter(f"*/{address(name)}*"):
        connection.delete(key)
    connection.close()


def address(username: str) -> str:
    return "10.{}.{}.{}".format(*username.encode()[-3:])


@contextmanager
def worker(tmp_path):
    """An app as one gunicorn worker would build it (its limiter's storage made afresh), in its context;
    its database connections are closed afterwards."""
    app = create_app(TestingConfig, RATELIMIT_STORAGE_URI=REDIS_URL, **database_overrides(tmp_path))
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_failures_counted_in_redis_hold_in_a_fresh_worker(app, tmp_path, username):
    make_user(username=username)
    with worker(tmp_path) as first:
        client = first.test_client()
        client.environ_base["REMOTE_ADDR"] = address(username)
        for _ in range(first.config["LOGIN_MAX_FAILURES"]):
            assert post_login(client, username, "wrong").status_code == 422
    assert any(redis.Redis.from_url(REDIS_URL).scan_iter(f"*|{username}/*"))

    with worker(tmp_path) as second:  # memory storage would start from zero here
        same_address = second.test_client()
        same_address.environ_base["REMOTE_ADDR"] = address(username)
        response = post_login(same_address, username, PASSWORD)
        assert response.status_code == 429
        assert "Retry-After" in response.headers
        other_address = second.test_client()
        other_address.environ_base["REMOTE_ADDR"] = "198.51.100.7"
        assert post_login(other_address, username, PASSWORD).status_code == 303
