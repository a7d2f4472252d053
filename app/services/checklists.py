"""Checklist templates: editing drafts, publishing, new versions and archiving.

Only drafts change. A published version is frozen so past inspections keep their exact questions;
"new version" copies it into a new draft of the same family.
"""
import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import (
    AnswerType,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    TemplateStatus,
    User,
)
from app.models.base import utcnow
from app.services import audit
from app.services.permissions import visible_templates
from app.services.errors import ValidationFailed

TEMPLATE_FIELDS = ("family", "version", "name", "scope", "legal_basis", "status", "grading_bands")
SECTION_FIELDS = ("code", "title", "par_area", "position")
ITEM_FIELDS = (
    "code", "question", "guidance", "legal_basis", "legal_basis_unverified", "answer_type", "target_operator",
    "target_value", "unit", "formula", "numerator_label", "denominator_label", "choices", "weight",
    "evidence_required", "default_severity", "position",
)


def families(user: User) -> dict[str, list[ChecklistTemplate]]:
    """The templates the user may read by family, each family's newest version first."""
    found: dict[str, list[ChecklistTemplate]] = {}
    for template in db.session.scalars(visible_templates(user).order_by(ChecklistTemplate.family,
                                                                        ChecklistTemplate.version.desc())):
        found.setdefault(template.family, []).append(template)
    return found


def versions(user: User, template: ChecklistTemplate) -> list[sa.Row]:
    """The id, version and status of each version of the template's family the user may read, newest first."""
    return db.session.execute(
        visible_templates(user).with_only_columns(ChecklistTemplate.id, ChecklistTemplate.version,
                                                  ChecklistTemplate.status)
        .where(ChecklistTemplate.family == template.family).order_by(ChecklistTemplate.version.desc())).all()


def label(template: ChecklistTemplate) -> str:
    return f"{template.family} v{template.version} — {template.name}"


def item_problems(fields: dict) -> list[tuple[str, str]]:
    """(field, message) for every rule an item's values break; used by the editor and the importers."""
    problems = []
    answer_type = fields.get("answer_type")
    if not (fields.get("question") or "").strip():
        problems.append(("question", _("Every item needs a question.")))
    operator, target = fields.get("target_operator"), fields.get("target_value")
    if (operator is None) != (target is None):
        problems.append(("target_value", _("Give both the comparison and the target value, or neither.")))
    if answer_type == AnswerType.PERCENT and target is not None and not 0 <= target <= 100:
        problems.append(("target_value", _("A percentage target must be between 0 and 100.")))
    if answer_type in (AnswerType.PASS_FAIL, AnswerType.TEXT, AnswerType.CHOICE) and operator is not None:
        problems.append(("target_value", _("Only number and percentage items have a target.")))
    if answer_type == AnswerType.CHOICE and len(fields.get("choices") or []) < 2:
        problems.append(("choices", _("A choice item needs at least two choices.")))
    weight = fields.get("weight")
    if weight is None or weight <= 0:
        problems.append(("weight", _("The weight must be greater than 0.")))
    return problems


def _require_draft(template: ChecklistTemplate) -> None:
    if not template.is_editable:
        raise ValidationFailed(None, _("A published or archived template never changes; make a new version."))


def _next_version(family: str) -> int:
    highest = db.session.scalar(sa.select(sa.func.max(ChecklistTemplate.version)).where(ChecklistTemplate.family == family))
    return (highest or 0) + 1


def create_template(actor: User, family: str, name: str, scope: str = "", legal_basis: str = "") -> ChecklistTemplate:
    family = family.strip().upper()
    if db.session.scalar(sa.select(ChecklistTemplate.id).where(ChecklistTemplate.family == family).limit(1)):
        raise ValidationFailed("family", _("This code is taken; open that checklist and make a new version."))
    template = ChecklistTemplate(family=family, version=1, name=name.strip(), scope=scope.strip(),
                                 legal_basis=legal_basis.strip(), status=TemplateStatus.DRAFT)
    db.session.add(template)
    audit.record(actor, "create", template, label(template), audit.diff({}, audit.snapshot(template, TEMPLATE_FIELDS)))
    db.session.commit()
    return template


def update_template(actor: User, template: ChecklistTemplate, **fields) -> ChecklistTemplate:
    _require_draft(template)
    before = audit.snapshot(template, TEMPLATE_FIELDS)
    for name, value in fields.items():
        setattr(template, name, value)
    return _commit_change(actor, template, before, TEMPLATE_FIELDS, label(template))


def _commit_change(actor, obj, before, fields, summary, action="update"):
    changes = audit.diff(before, audit.snapshot(obj, fields))
    if changes:
        audit.record(actor, action, obj, summary, changes)
    db.session.commit()
    return obj


# --- sections ------------------------------------------------------------------------------------

def add_section(actor: User, template: ChecklistTemplate, **fields) -> ChecklistSection:
    _require_draft(template)
    if not (fields.get("title") or "").strip():
        raise ValidationFailed("title", _("The section needs a title."))
    section = ChecklistSection(position=len(template.sections), **fields)
    template.sections.append(section)
    audit.record(actor, "update", template, label(template), {"section": [None, section.title]})
    db.session.commit()
    return section


def update_section(actor: User, section: ChecklistSection, **fields) -> ChecklistSection:
    _require_draft(section.template)
    if not (fields.get("title") or "").strip():
        raise ValidationFailed("title", _("The section needs a title."))
    before = audit.snapshot(section, SECTION_FIELDS)
    for name, value in fields.items():
        setattr(section, name, value)
    return _commit_change(actor, section, before, SECTION_FIELDS, f"{label(section.template)}: {section.title}")


def delete_section(actor: User, section: ChecklistSection) -> None:
    template = section.template
    _require_draft(template)
    template.sections.remove(section)
    _renumber(template.sections)
    audit.record(actor, "update", template, label(template), {"section": [section.title, None]})
    db.session.commit()


def move_section(actor: User, section: ChecklistSection, step: int) -> None:
    _require_draft(section.template)
    _move(section.template.sections, section, step)
    db.session.commit()


# --- items ---------------------------------------------------------------------------------------

def _check_item(fields: dict) -> None:
    problems = item_problems(fields)
    if problems:
        raise ValidationFailed(*problems[0], problems=problems)


def add_item(actor: User, section: ChecklistSection, **fields) -> ChecklistItem:
    _require_draft(section.template)
    _check_item(fields)
    item = ChecklistItem(position=len(section.items), **fields)
    section.items.append(item)
    db.session.flush()
    audit.record(actor, "create", item, f"{label(section.template)}: {item.code or item.question[:80]}",
                 audit.diff({}, audit.snapshot(item, ITEM_FIELDS)))
    db.session.commit()
    return item


def update_item(actor: User, item: ChecklistItem, **fields) -> ChecklistItem:
    _require_draft(item.section.template)
    _check_item({name: getattr(item, name) for name in ITEM_FIELDS} | fields)
    before = audit.snapshot(item, ITEM_FIELDS)
    for name, value in fields.items():
        setattr(item, name, value)
    return _commit_change(actor, item, before, ITEM_FIELDS,
                          f"{label(item.section.template)}: {item.code or item.question[:80]}")


def delete_item(actor: User, item: ChecklistItem) -> None:
    section = item.section
    _require_draft(section.template)
    audit.record(actor, "delete", item, f"{label(section.template)}: {item.code or item.question[:80]}",
                 audit.diff(audit.snapshot(item, ITEM_FIELDS), {}))
    section.items.remove(item)
    _renumber(section.items)
    db.session.commit()


def move_item(actor: User, item: ChecklistItem, step: int) -> None:
    _require_draft(item.section.template)
    _move(item.section.items, item, step)
    db.session.commit()


def reorder_items(actor: User, section: ChecklistSection, item_ids: list[int]) -> None:
    """Put the section's items in the given order (drag and drop); ids not in the section are refused."""
    _require_draft(section.template)
    by_id = {item.id: item for item in section.items}
    if sorted(item_ids) != sorted(by_id):
        raise ValidationFailed(None, _("The list of items changed meanwhile; reload the page."))
    for position, item_id in enumerate(item_ids):
        by_id[item_id].position = position
    db.session.commit()


def _move(siblings: list, obj, step: int) -> None:
    """Swap positions with the neighbour; the relationship list itself is left alone (replacing its
    elements would orphan them) and reloads in the new order after the commit."""
    ordered = list(siblings)
    index = ordered.index(obj)
    other = index + step
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    _renumber(ordered)


def _renumber(siblings: list) -> None:
    for position, obj in enumerate(siblings):
        obj.position = position


# --- lifecycle -----------------------------------------------------------------------------------

def publish(actor: User, template: ChecklistTemplate) -> ChecklistTemplate:
    _require_draft(template)
    if not template.items:
        raise ValidationFailed(None, _("An empty template cannot be published: add at least one item."))
    for section in template.sections:
        for item in section.items:
            for _field, problem in item_problems({name: getattr(item, name) for name in ITEM_FIELDS}):
                raise ValidationFailed(None, _("Section %(section)s, item %(item)s: %(problem)s",
                                               section=section.code or section.position + 1,
                                               item=item.code or item.position + 1, problem=problem))
    before = audit.snapshot(template, TEMPLATE_FIELDS)
    template.status = TemplateStatus.PUBLISHED
    template.published_at = utcnow()
    template.published_by_id = actor.id if actor else None
    return _commit_change(actor, template, before, TEMPLATE_FIELDS, label(template), action="publish")


def archive(actor: User, template: ChecklistTemplate) -> ChecklistTemplate:
    if template.status != TemplateStatus.PUBLISHED:
        raise ValidationFailed(None, _("Only a published template can be archived."))
    before = audit.snapshot(template, TEMPLATE_FIELDS)
    template.status = TemplateStatus.ARCHIVED
    return _commit_change(actor, template, before, TEMPLATE_FIELDS, label(template), action="archive")


def new_version(actor: User, template: ChecklistTemplate) -> ChecklistTemplate:
    """Copy a template, sections and items, into a new draft of the same family."""
    draft = db.session.scalar(sa.select(ChecklistTemplate).where(
        ChecklistTemplate.family == template.family, ChecklistTemplate.status == TemplateStatus.DRAFT))
    if draft is not None:
        raise ValidationFailed(None, _("Version %(version)d of this checklist is already a draft; edit that one.",
                                       version=draft.version))
    copy = ChecklistTemplate(
        **{f: getattr(template, f) for f in ("family", "name", "scope", "legal_basis")},
        grading_bands=[dict(band) for band in template.grading_bands],
        version=_next_version(template.family),
        status=TemplateStatus.DRAFT,
    )
    for section in template.sections:
        new_section = ChecklistSection(**{f: getattr(section, f) for f in SECTION_FIELDS})
        new_section.items = [
            ChecklistItem(**{f: getattr(item, f) for f in ITEM_FIELDS}) for item in section.items
        ]
        copy.sections.append(new_section)
    db.session.add(copy)
    audit.record(actor, "new_version", copy, label(copy), {"version": [template.version, copy.version]})
    db.session.commit()
    return copy


def delete_draft(actor: User, template: ChecklistTemplate) -> None:
    _require_draft(template)
    audit.record(actor, "delete", template, label(template))
    db.session.delete(template)
    db.session.commit()
