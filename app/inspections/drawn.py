"""The checklist's sections as drawn HTML, kept per state of the inspection's answers.

Drawing 120 cards takes tens of milliseconds, yet what they show changes only when an answer or its
evidence changes: a published checklist version never changes. So each worker keeps the drawn sections
of recent checklists in a small LRU, keyed by answers.checklist_stamp(); a save makes a new key and the
old drawing ages out. The CSRF token belongs to the session, not to the drawing: it is drawn as an
unguessable slot and filled in for each response.
"""
import secrets
import threading
from typing import Callable

from cachetools import LRUCache
from flask import current_app
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.models import Inspection
from app.services import answers

CSRF_SLOT = f"csrf-slot-{secrets.token_hex(16)}"
_lock = threading.Lock()  # the threaded development server and gthread workers share one cache


def _cache() -> LRUCache:
    with _lock:
        return current_app.extensions.setdefault(
            "drawn_checklists", LRUCache(maxsize=current_app.config["CHECKLIST_CACHE_BYTES"], getsizeof=len))


def checklist_sections(inspection: Inspection, can_answer: bool, draw: Callable[..., str]) -> Markup:
    """The drawn sections of the inspection's checklist; `draw(csrf_token=…)` renders them on a miss."""
    cache = _cache()
    key = (inspection.id, inspection.template_id, can_answer, str(get_locale()), answers.checklist_stamp(inspection))
    with _lock:
        html = cache.get(key)
    if html is None:
        html = draw(csrf_token=lambda: CSRF_SLOT)
        if len(html) <= cache.maxsize:
            with _lock:
                cache[key] = html
    return Markup(html.replace(CSRF_SLOT, generate_csrf()))
