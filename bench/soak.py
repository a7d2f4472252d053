"""Soak benchmark of offline field work: tablets replay their outboxes through a lossy network and a
server restart, and the database must hold every answer and photo exactly once.

    .venv/bin/python bench/soak.py [--database sqlite|postgresql|both] [--tablets 10] [--answers 200]
                                   [--photos 20] [--drop 0.10] [--seed 13]

For each database (a temporary SQLite file; a fresh PostgreSQL database at 127.0.0.1:5432, user
postgres, dropped afterwards) it migrates and seeds one published checklist of `--answers` pass/fail
items and, per tablet, an inspector and an inspection in progress of their own (so no save is a
legitimate conflict). It serves the app with gunicorn (2 sync workers, bench/serving.py) behind
bench/lossy_proxy.py, which drops `--drop` of the requests before they reach the server and as many
responses after the server answered them.

Each tablet is a thread that speaks what app/static/js/outbox.js speaks. The inspector works in
bursts: a few answers and photos are written to the outbox (an answer keeps the row version the card
showed then and the id of the tablet's previous save of its item as its base), then the outbox is sent
in order, one entry at a time, with the CSRF token from /offline/session. An entry leaves the queue
only when the server answered 2xx, 409 or 422; on a lost request or answer, a refused connection, a
5xx or a 429 the same entry (same save id, same upload id) is sent again after a short backoff. Of the
`--answers` saves a quarter are changes of mind on an item saved before (up to three saves per
item); every save changes the answer, so each applied save writes one audit event.

Halfway through (by acknowledged entries) the server is killed (SIGKILL, master and workers, as a
crash would) and started again on the same port while the tablets keep sending.

At the end the database is compared with what the tablets sent:
- answers: per (inspection, item), the stored answer must be the tablet's last save (values and
  last_save_id), and the item must have as many audit events (entity "answer") as the tablet made
  saves of it: more is a duplicate (a save applied twice), fewer or a wrong final answer is a loss;
- photos: exactly one Attachment per upload id, on the right item's answer: more is a duplicate, none
  a loss.
Target: 0 duplicates and 0 losses, and every entry acknowledged (no 409 or 422 either, since no two
tablets share an inspection). The exit status is 1 otherwise.

Evidence files are stored by the server under instance/uploads/; the files this run added are removed.
"""
import argparse
import http.client
import io
import os
import random
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lossy_proxy import LossyProxy  # noqa: E402
from bench.serving import log_in, serve  # noqa: E402

PASSWORD = "soak-password-1"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
BACKOFF = (0.05, 1.0)  # first and longest wait before a retry, seconds
DEADLINE = 900  # seconds; entries still queued then are counted as not acknowledged


# --- the plan of each tablet ---------------------------------------------------------------------

@dataclass
class Entry:
    """One outbox entry: an answer save or a photo upload."""
    kind: str  # "answer" | "upload"
    item: int
    id: str  # the save id or upload id, kept for every retry
    base: str = ""  # answers: the save id of the tablet's previous save of this item
    result: str = ""
    note: str = ""
    photo: bytes = b""
    version: int = 0  # answers: the row version the card showed when it was written to the outbox
    status: int | None = None  # the server's final answer
    sends: int = 0


@dataclass
class Tablet:
    number: int
    username: str
    inspection: int
    plan: list[Entry]
    cookie: str = ""
    csrf: str | None = None
    known_versions: dict[int, int] = field(default_factory=dict)  # per item, from the server's answers


def make_plan(rng: random.Random, number: int, items: list[int], answers: int, photos: int) -> list[Entry]:
    """`answers` saves over three quarters as many items (a change of mind saves an item again, up to
    three times), and `photos` uploads on answered items, mixed in at random places."""
    distinct = rng.sample(items, max(1, answers * 3 // 4))
    extra = []
    while len(distinct) + len(extra) < answers:
        item = rng.choice(distinct)
        if extra.count(item) < 2:
            extra.append(item)
    order = distinct + extra
    rng.shuffle(order)
    last_save, saves = {}, Counter()
    plan = []
    for item in order:
        saves[item] += 1
        save_id = str(uuid.UUID(int=rng.getrandbits(128)))
        # Every save differs from the one before it, so each applied save is one audit event.
        plan.append(Entry("answer", item, save_id, base=last_save.get(item, ""),
                          result=("pass", "fail", "na")[(saves[item] + number) % 3],
                          note=f"tablet {number}, save {saves[item]} of item {item}"))
        last_save[item] = save_id
    for item in rng.sample(distinct, min(photos, len(distinct))):
        upload = Entry("upload", item, str(uuid.UUID(int=rng.getrandbits(128))), photo=make_photo(rng))
        plan.insert(rng.randint(0, len(plan)), upload)
    return plan


def make_photo(rng: random.Random) -> bytes:
    """A small JPEG, different from every other one (random blocks of colour)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (96, 72), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(80), rng.randrange(56)
        draw.rectangle((x, y, x + 16, y + 16), fill=tuple(rng.randrange(256) for _ in range(3)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


# --- seeding -------------------------------------------------------------------------------------

def seed(env: dict, tablets: int, items: int) -> tuple[list[int], list[int]]:
    """Migrate and seed: one checklist of `items` pass/fail items, and per tablet an inspector with an
    inspection in progress. Returns (inspection ids by tablet, item ids)."""
    os.environ.update(env)
    from app import create_app
    from app.extensions import db
    from app.models import (
        AnswerType, ChecklistItem, ChecklistSection, ChecklistTemplate, Inspection, InspectionKind,
        InspectionMember, InspectionStatus, Role, TeamRole, TemplateStatus, Unit, UnitKind, User,
    )
    from flask_migrate import upgrade

    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        template = ChecklistTemplate(family="SOAK", name=f"Phiếu {items} tiêu chí", status=TemplateStatus.PUBLISHED)
        for s in range(0, items, 20):
            section = ChecklistSection(position=s // 20, code=f"S{s // 20 + 1}", title=f"Phần {s // 20 + 1}")
            section.items = [ChecklistItem(position=i, code=f"S{s // 20 + 1}-{i + 1:02d}",
                                           answer_type=AnswerType.PASS_FAIL, question=f"Tiêu chí {s + i + 1}")
                             for i in range(min(20, items - s))]
            template.sections.append(section)
        db.session.add(template)
        inspections = []
        for number in range(tablets):
            unit = Unit(code=f"SOAK{number}", name=f"Đơn vị {number}", kind=UnitKind.DEPARTMENT)
            user = User(username=f"tablet{number}", full_name=f"Máy tính bảng {number}", role=Role.INSPECTOR)
            user.set_password(PASSWORD, app.config["PASSWORD_HASH_METHOD"])
            db.session.add_all([unit, user])
            db.session.flush()
            inspection = Inspection(title=f"Kiểm tra {number}", kind=InspectionKind.PLANNED, unit_id=unit.id,
                                    template_id=template.id, status=InspectionStatus.IN_PROGRESS,
                                    planned_start=date.today(), planned_end=date.today())
            inspection.members = [InspectionMember(user_id=user.id, role=TeamRole.LEAD)]
            db.session.add(inspection)
            inspections.append(inspection)
        db.session.commit()
        result = [inspection.id for inspection in inspections], [item.id for item in template.items]
        db.engine.dispose()
    return result


# --- a tablet's outbox ---------------------------------------------------------------------------

class Offline(Exception):
    """The entry did not get an answer (lost request or response, server down, 5xx or 429)."""


class Run:
    """What the tablets share: the proxy's port, counters, and the signal for the restart."""

    def __init__(self, port: int, total_entries: int):
        self.port = port
        self.total = total_entries
        self.acknowledged = 0
        self.retries = 0
        self.lock = threading.Lock()
        self.halfway = threading.Event()
        self.deadline = time.monotonic() + DEADLINE

    def acknowledge(self) -> None:
        with self.lock:
            self.acknowledged += 1
            if self.acknowledged >= self.total // 2:
                self.halfway.set()

    def retried(self) -> None:
        with self.lock:
            self.retries += 1


def request(run: Run, tablet: Tablet, method: str, path: str, body: bytes = b"",
            headers: dict | None = None) -> tuple[int, str]:
    """One request through the proxy on its own connection; raises Offline when nothing came back."""
    connection = http.client.HTTPConnection("127.0.0.1", run.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers={"Cookie": tablet.cookie, "Connection": "close"}
                           | (headers or {}))
        response = connection.getresponse()
        text = response.read().decode()
    except (OSError, http.client.HTTPException) as error:
        raise Offline(str(error)) from None
    finally:
        connection.close()
    cookie = response.getheader("Set-Cookie")
    if cookie and cookie.startswith("session="):
        tablet.cookie = cookie.split(";")[0]
    if response.status == 429 or response.status >= 500:
        raise Offline(f"{response.status}")
    return response.status, text


def fetch_session(run: Run, tablet: Tablet) -> None:
    """The outbox's first step: who is logged in here, and the session's CSRF token."""
    status, text = request(run, tablet, "GET", "/offline/session")
    if status != 200:
        raise RuntimeError(f"{tablet.username}: /offline/session answered {status}")
    tablet.csrf = re.search(r'"csrf":\s*"([^"]+)"', text).group(1)


def encode(entry: Entry) -> tuple[bytes, str]:
    """The entry's form as the outbox's FormData would send it: the body and its content type."""
    boundary = uuid.uuid4().hex
    if entry.kind == "answer":
        prefix = f"a{entry.item}-"
        fields = [(prefix + "result", entry.result), (prefix + "note", entry.note),
                  (prefix + "version", str(entry.version)), (prefix + "save", entry.id), (prefix + "base", entry.base)]
    else:
        fields = [("upload_id", entry.id)]
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields]
    if entry.kind == "upload":
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
                     f"Content-Type: image/jpeg\r\n\r\n".encode() + entry.photo + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def send(run: Run, tablet: Tablet, entry: Entry) -> None:
    """Send one entry until the server answers it for good (2xx, 409, 422), as the outbox would."""
    delay = BACKOFF[0]
    while time.monotonic() < run.deadline:
        entry.sends += 1
        if entry.sends > 1:
            run.retried()
        try:
            if tablet.csrf is None:
                fetch_session(run, tablet)
            body, content_type = encode(entry)
            path = (f"/inspections/{tablet.inspection}/answers/{entry.item}" if entry.kind == "answer"
                    else f"/inspections/{tablet.inspection}/items/{entry.item}/evidence")
            status, text = request(run, tablet, "POST", path, body, {
                "Content-Type": content_type, "HX-Request": "true", "X-CSRFToken": tablet.csrf})
        except Offline:
            # The outbox stops and tries again later, asking for the session anew (the worker does).
            tablet.csrf = None
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, BACKOFF[1])
            continue
        if status in (400, 401):
            tablet.csrf = None  # a token of an older session: ask for the session and send again
            continue
        entry.status = status
        # The reply carries the item's save state (an upload's out of band): the card's row version now.
        found = re.search(rf'name="a{entry.item}-version" value="(\d+)"', text)
        if found:
            tablet.known_versions[entry.item] = max(int(found.group(1)), tablet.known_versions.get(entry.item, 0))
        run.acknowledge()
        return


def work(run: Run, tablet: Tablet, rng: random.Random) -> None:
    """The inspector fills a few cards (written to the outbox with what the card showed), then the
    outbox is sent in order; again until the plan is done."""
    plan = deque(tablet.plan)
    while plan:
        burst = [plan.popleft() for _ in range(min(len(plan), rng.randint(1, 15)))]
        for entry in burst:
            entry.version = tablet.known_versions.get(entry.item, 0)
        for entry in burst:
            send(run, tablet, entry)
            if entry.status is None:
                return  # past the deadline


# --- the server and its restart ------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kill(server) -> None:
    """SIGKILL gunicorn's master and its workers at once, as a crash would."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    for pid in [server.pid, *map(int, children)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    server.wait()


def restart_halfway(run: Run, holder: dict, port: int, env: dict) -> None:
    if not run.halfway.wait(DEADLINE):
        return
    started = time.monotonic()
    kill(holder["server"])
    # serve() is ready at the first connection it makes: wait until the killed workers' socket is gone.
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            time.sleep(0.01)
        except OSError:
            break
    holder["server"] = serve("wsgi:app", port, env)
    holder["restart"] = f"yes, down {time.monotonic() - started:.1f} s"


# --- checking the database -----------------------------------------------------------------------

def check(env: dict, tablets: list[Tablet]) -> tuple[Counter, set[str]]:
    """Compare what the database holds with what the tablets sent: the counts, and the hashes of the
    stored files."""
    os.environ.update(env)
    import sqlalchemy as sa
    from app import create_app
    from app.extensions import db
    from app.models import Answer, Attachment, AuditEvent

    app = create_app()
    with app.app_context():
        inspections = [tablet.inspection for tablet in tablets]
        answers = {(a.inspection_id, a.item_id): a for a in db.session.scalars(
            sa.select(Answer).where(Answer.inspection_id.in_(inspections)))}
        events = Counter(dict(db.session.execute(
            sa.select(AuditEvent.entity_id, sa.func.count()).where(AuditEvent.entity == "answer")
            .group_by(AuditEvent.entity_id)).all()))
        files = {}
        for upload_id, answer_id, count in db.session.execute(
                sa.select(Attachment.upload_id, Attachment.answer_id, sa.func.count())
                .group_by(Attachment.upload_id, Attachment.answer_id)):
            files.setdefault(upload_id, []).append((answer_id, count))
        shas = set(db.session.scalars(sa.select(Attachment.sha256)))
        db.engine.dispose()

    result = Counter()
    for tablet in tablets:
        saves = [e for e in tablet.plan if e.kind == "answer"]
        by_item = {}
        for entry in saves:
            by_item.setdefault(entry.item, []).append(entry)
        for item, made in by_item.items():
            answer = answers.get((tablet.inspection, item))
            applied = events[answer.id] if answer else 0
            result["answers applied"] += min(applied, len(made))
            result["answer duplicates"] += max(0, applied - len(made))
            lost = max(0, len(made) - applied)
            last = made[-1]
            if answer is None or (answer.last_save_id, answer.result, answer.note) != (last.id, last.result, last.note):
                lost = max(lost, 1)
            result["answer losses"] += lost
        for entry in (e for e in tablet.plan if e.kind == "upload"):
            rows = files.get(entry.id, [])
            right = answers.get((tablet.inspection, entry.item))
            count = sum(n for answer_id, n in rows if right is not None and answer_id == right.id)
            result["photos stored"] += min(count, 1)
            result["photo duplicates"] += max(0, count - 1) + sum(n for a, n in rows if right is None or a != right.id)
            result["photo losses"] += count == 0
    return result, shas


# --- one run -------------------------------------------------------------------------------------

def database_url(kind: str, folder: Path) -> tuple[str, Callable[[], None]]:
    """A fresh database and how to get rid of it."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'soak.sqlite'}", lambda: None
    import psycopg

    name = f"kiemtra_soak_{os.getpid()}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")

    def drop():
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return f"{POSTGRES}/{name}", drop


def uploads_now() -> set[Path]:
    uploads = ROOT / "instance" / "uploads"
    return set(uploads.rglob("*")) if uploads.exists() else set()


def forget_files(before: set[Path], shas: set[str]) -> None:
    """Remove the evidence files this run stored (new since it started, named by its attachments' hashes)."""
    new = uploads_now() - before
    for path in new:
        if path.is_file() and path.name.split(".")[0] in shas:
            path.unlink()
    for path in sorted((p for p in new if p.is_dir()), reverse=True):  # folders the run made, if now empty
        if not any(path.iterdir()):
            path.rmdir()


def drive(env: dict, args) -> tuple[list[Tablet], Run, LossyProxy, str, float]:
    """Seed, serve behind the lossy proxy, and let the tablets send everything, with one restart."""
    inspections, items = seed(env, args.tablets, args.answers)
    rng = random.Random(args.seed)
    tablets = [Tablet(n, f"tablet{n}", inspections[n], make_plan(rng, n, items, args.answers, args.photos))
               for n in range(args.tablets)]
    port = free_port()
    holder = {"server": serve("wsgi:app", port, env), "restart": "no"}
    proxy = None
    try:
        for tablet in tablets:
            # Logged in directly, not through the proxy: the soak is about the outbox, not the login form.
            tablet.cookie, _ = log_in(port, tablet.username, PASSWORD)
        proxy = LossyProxy(port, args.drop, args.seed).start()
        run = Run(proxy.port, sum(len(t.plan) for t in tablets))
        started = time.monotonic()
        restarter = threading.Thread(target=restart_halfway, args=(run, holder, port, env), daemon=True)
        restarter.start()
        threads = [threading.Thread(target=work, args=(run, t, random.Random(args.seed * 1000 + t.number)))
                   for t in tablets]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
        run.halfway.set()  # if the tablets were done before halfway (they cannot be), no restart
        restarter.join()
    finally:
        if proxy:
            proxy.close()
        holder["server"].terminate()
        holder["server"].wait()
    return tablets, run, proxy, holder["restart"], seconds


def soak(kind: str, args) -> dict:
    """One run on a fresh database of `kind`: the row of the table."""
    folder = Path(tempfile.mkdtemp(prefix="kiemtra-soak-"))
    url, drop_database = database_url(kind, folder)
    env = os.environ | {"KIEMTRA_ENV": "production", "FLASK_SECRET_KEY": "s" * 64, "DATABASE_URL": url,
                        "FLASK_SESSION_COOKIE_SECURE": "false"}
    files_before, shas = uploads_now(), set()
    try:
        tablets, run, proxy, restart, seconds = drive(env, args)
        found, shas = check(env, tablets)
    finally:
        forget_files(files_before, shas)
        drop_database()
        shutil.rmtree(folder)
    entries = [e for t in tablets for e in t.plan]
    answers = [e for e in entries if e.kind == "answer"]
    photos = [e for e in entries if e.kind == "upload"]

    def acknowledged(some):
        return sum(e.status is not None and 200 <= e.status < 300 for e in some)

    return dict(found) | {
        "database": kind, "tablets": len(tablets), "answers sent": len(answers),
        "answers acknowledged": acknowledged(answers), "photos sent": len(photos),
        "photos acknowledged": acknowledged(photos),
        "refused (409, 422, other)": sum(e.status is not None for e in entries) - acknowledged(entries),
        "not acknowledged": sum(e.status is None for e in entries),
        "requests dropped": proxy.counts["request dropped"], "responses dropped": proxy.counts["response dropped"],
        "refused while restarting": proxy.counts["server refused"], "retries": run.retries,
        "restart": restart, "seconds": f"{seconds:.1f}",
    }


ROWS = ("database", "tablets", "answers sent", "answers acknowledged", "answers applied", "answer duplicates",
        "answer losses", "photos sent", "photos acknowledged", "photos stored", "photo duplicates", "photo losses",
        "refused (409, 422, other)", "not acknowledged", "requests dropped", "responses dropped",
        "refused while restarting", "retries", "restart", "seconds")
FAILURES = ("answer duplicates", "answer losses", "photo duplicates", "photo losses", "refused (409, 422, other)",
            "not acknowledged")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--tablets", type=int, default=10)
    parser.add_argument("--answers", type=int, default=200, help="saves per tablet (also the checklist's size)")
    parser.add_argument("--photos", type=int, default=20, help="per tablet")
    parser.add_argument("--drop", type=float, default=0.10, help="share of requests dropped, and of responses")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    print(f"seed {args.seed}; the proxy drops {args.drop:.0%} of requests and {args.drop:.0%} of responses",
          flush=True)
    results = [soak(kind, args) for kind in kinds]
    width = max(map(len, ROWS)) + 2
    for row in ROWS:
        print(f"{row:<{width}}" + "".join(f"{str(r[row]):>22}" for r in results))
    failed = any(r[key] for r in results for key in FAILURES)
    print("target: 0 duplicates, 0 losses, every entry acknowledged with 2xx —", "MISSED" if failed else "met")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
