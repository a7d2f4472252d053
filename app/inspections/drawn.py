"""The checklist's sections as drawn HTML, kept per state of the inspection's answers.

Drawing 120 cards takes tens of milliseconds, yet what they show changes only when an answer or its
evidence changes: a published checklist version never changes. So each worker keeps the drawn sections
of recent checklists in a small LRU, keyed by answers.checklist_stamp(); a save makes a new key and the
old drawing ages out.

The drawing is kept as UTF-8 bytes cut where the session's CSRF token goes (the token belongs to the
session, not to the drawing), and the page is drawn around a slot: each response is then one join of
bytes, instead of copies of a 400 KB string.
"""
import hashlib
import secrets
import threading
from typing import Callable

from cachetools import LRUCache
from flask import Response, current_app
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.models import Inspection
from app.services import answers

# Unguessable, so that no answer text can contain them.
CSRF_SLOT = f"csrf-{secrets.token_hex(16)}"
SECTIONS_SLOT = Markup(f"sections-{secrets.token_hex(16)}")
_lock = threading.Lock()  # the threaded development server and gthread workers share one cache


def _cache() -> LRUCache:
    with _lock:
        return current_app.extensions.setdefault("drawn_checklists", LRUCache(
            maxsize=current_app.config["CHECKLIST_CACHE_BYTES"], getsizeof=lambda parts: sum(map(len, parts))))


def _drawing(inspection: Inspection, can_answer: bool, draw: Callable[..., str]) -> tuple[tuple, list[bytes]]:
    cache = _cache()
    key = (inspection.id, inspection.template_id, can_answer, str(get_locale()), answers.checklist_stamp(inspection))
    with _lock:
        parts = cache.get(key)
    if parts is None:
        parts = draw(csrf_token=lambda: CSRF_SLOT).encode().split(CSRF_SLOT.encode())
        if sum(map(len, parts)) <= cache.maxsize:
            with _lock:
                cache[key] = parts
    return key, parts


def fill_sections(page: Response, inspection: Inspection, can_answer: bool, draw: Callable[..., str]) -> Response:
    """Put the checklist's sections where the page (rendered with sections=SECTIONS_SLOT) has the slot;
    `draw(csrf_token=…)` renders them when they are not kept yet."""
    head, tail = page.get_data().split(SECTIONS_SLOT.encode())
    key, parts = _drawing(inspection, can_answer, draw)
    # Changes with what the sections show: the service worker tells an open page when its kept copy
    # is older than the server's (Workbox's broadcast update compares this header).
    page.headers["X-Answers-Stamp"] = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
    token = generate_csrf().encode()
    body = [head]
    for part in parts:
        body += (part, token)
    body[-1] = tail  # no token after the last part
    page.set_data(b"".join(body))
    return page
