"""What offline.js, outbox.js and checklist.js say, in the user's language ({n}, {time} and {message}
are filled in there). Every page of a logged-in user carries them, so each language's set is resolved
once per process, not on every page."""
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "answers": [_l("{n} answer"), _l("{n} answers")],
    "files": [_l("{n} photo or file"), _l("{n} photos or files")],
    "waiting": _l("waiting to be sent"),
    "lastSync": _l("last sent at {time}"),
    "needLogin": _l("Log in again to send them."),
    "queued": _l("Saved on this tablet, waiting to be sent"),
    "provisional": _l("Provisional: {n} answers waiting on this tablet are not counted yet."),
    "logout": _l("{n} answers or files are still waiting to be sent. They stay on this tablet for you and are "
                 "sent when you log in again. Log out?"),
    "refused": _l("Refused by the server: {message}"),
    "downloading": _l("Downloading…"),
    "downloaded": _l("{n} checklists are kept on this tablet for offline work."),
    "downloadFailed": _l("Could not download: no connection. Try again when the network is back."),
    "answer": _l("Answer"),
    "file": _l("Photo or file"),
    "stateWaiting": _l("Waiting"),
    "stateReply": _l("Conflict or invalid value: open the checklist"),
    "discard": _l("Remove this entry from the tablet? It will never be sent."),
    "remove": _l("Remove"),
    "noPages": _l("No page is kept on this tablet yet."),
    "noQueue": _l("Nothing is waiting to be sent."),
    "storedAt": _l("stored {time}"),
    "noStorage": _l("This browser keeps no offline data here (private window, or storage switched off)."),
}
_resolved: dict[str, dict] = {}


def _resolve(value):
    return [str(part) for part in value] if isinstance(value, list) else str(value)


def offline_messages() -> dict:
    """The messages in the current request's language."""
    locale = str(get_locale())
    if locale not in _resolved:
        _resolved[locale] = {key: _resolve(value) for key, value in MESSAGES.items()}
    return _resolved[locale]
