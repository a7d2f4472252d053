"""What both benchmarks need: gunicorn serving a WSGI app, and a logged-in session to load it with."""
import http.client
import re
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def serve(target: str, port: int, env: dict) -> subprocess.Popen:
    """`target` ("wsgi:app") under gunicorn with 2 sync workers, once it answers."""
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         target], cwd=ROOT, env=env)
    for _ in range(200):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/")
            return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{target} did not start")


def log_in(port: int, username: str, password: str) -> tuple[str, str]:
    """Log in through the form: the session cookie, and the CSRF token for htmx posts."""
    def request(method, path, body=None, cookie=""):
        connection = http.client.HTTPConnection("127.0.0.1", port)
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response, response.read().decode()

    response, page = request("GET", "/auth/login")
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response, _ = request("POST", "/auth/login", f"username={username}&password={password}&csrf_token={token}", cookie)
    assert response.status == 303, "login failed"
    cookie = response.getheader("Set-Cookie").split(";")[0]
    response, page = request("GET", "/", cookie=cookie)
    # The page makes the CSRF token and keeps it in the session: the cookie changes with it.
    cookie = (response.getheader("Set-Cookie") or cookie).split(";")[0]
    return cookie, re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
