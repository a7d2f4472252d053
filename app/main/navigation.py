"""The main navigation: which links each role sees."""
from collections.abc import Collection
from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.models import Role
from app.services.permissions import STAFF


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: Collection[Role]
    section: str  # the endpoint prefix that marks the item as current


NAV_ITEMS = (
    NavItem(_l("Home"), "main.index", tuple(Role), "main."),
    NavItem(_l("Oversight"), "reports.dashboard", STAFF, "reports.dashboard"),
    NavItem(_l("Inspections"), "inspections.index", tuple(Role), "inspections.i"),
    NavItem(_l("Findings"), "findings.index", tuple(Role), "findings."),
    NavItem(_l("Directives"), "directives.index", STAFF, "directives."),
    NavItem(_l("Annual plan"), "inspections.plan", STAFF, "inspections.plan"),
    NavItem(_l("Checklists"), "checklists.index", STAFF, "checklists."),
    NavItem(_l("Units"), "units.index", (Role.ADMIN,), "units."),
    NavItem(_l("Users"), "admin.users", (Role.ADMIN,), "admin.user"),
    NavItem(_l("Issuing bodies"), "admin.issuing_bodies", (Role.ADMIN,), "admin.issuing_bod"),
    NavItem(_l("Audit log"), "admin.audit", (Role.ADMIN,), "admin.audit"),
)


def navigation_for(user, endpoint: str | None) -> list[dict]:
    if not user or not user.is_authenticated:
        return []
    return [
        {"label": item.label, "url": url_for(item.endpoint), "current": (endpoint or "").startswith(item.section)}
        for item in NAV_ITEMS
        if user.role in item.roles
    ]
