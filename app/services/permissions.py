"""Who may see and do what (DESIGN.md §4): the role groups, what each user may see of every aggregate
(as queries to filter further) and the rights on inspections, checklists, findings, documents,
directives and follow-up items.

Every other service and the views ask here; this module imports models only, never a workflow
module, so anything may import it without forming a cycle.
"""
from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
    FOLLOW_UP_ACTIVE,
    FOLLOW_UP_GIVEN,
    ISSUED_STATUSES,
    ChecklistTemplate,
    Directive,
    DirectiveTask,
    Document,
    DocumentKind,
    DocumentStatus,
    Finding,
    FindingStatus,
    FollowUpItem,
    FollowUpStatus,
    Inspection,
    InspectionMember,
    InspectionStatus,
    Role,
    TeamRole,
    TemplateStatus,
    Unit,
    User,
)


# --- role groups ---------------------------------------------------------------------------------

# Leaders and administrators open, plan and cancel inspections, issue findings and edit checklists.
MANAGERS = frozenset({Role.ADMIN, Role.LEADER})
# The inspectorate's own staff: the dashboard, the annual plan and the checklists.
STAFF = frozenset({Role.ADMIN, Role.LEADER, Role.INSPECTOR})
# Who may be on an inspection's team.
TEAM_ROLES = frozenset({Role.LEADER, Role.INSPECTOR})


def is_manager(user: User) -> bool:
    return user.role in MANAGERS


def is_staff(user: User) -> bool:
    return user.role in STAFF


def _team_inspections(user: User) -> sa.Select:
    """The ids of the inspections whose team the user is in."""
    return sa.select(InspectionMember.inspection_id).where(InspectionMember.user_id == user.id)


# --- units ---------------------------------------------------------------------------------------

def units_visible_to(user: User) -> sa.Select:
    """Units a user may read: all for staff roles, the own unit and its sub-units for a unit head."""
    query = sa.select(Unit)
    if user.role != Role.UNIT_HEAD:
        return query
    tree = sa.select(Unit.id).where(Unit.id == user.unit_id).cte("visible", recursive=True)
    tree = tree.union(sa.select(Unit.id).where(Unit.parent_id == tree.c.id))
    return query.where(Unit.id.in_(sa.select(tree.c.id)))


def _visible_unit_ids(user: User) -> list[int]:
    """The ids of the units a unit head may read, read first: in a query's IN (…) the planner then sees
    how few they are. It estimates the recursive tree at thousands of units, and at national scale a
    unit head's 127 findings were counted by reading all 424,000 (120 ms instead of 1)."""
    return list(db.session.scalars(units_visible_to(user).with_only_columns(Unit.id)))


# --- inspections and their checklists ------------------------------------------------------------

# A unit head sees their unit's inspections once the minutes exist (DESIGN.md §4).
VISIBLE_TO_UNIT_HEADS = (InspectionStatus.MINUTES_SIGNED, InspectionStatus.CONCLUDED, InspectionStatus.CLOSED)
# An inspection is edited until its field work starts.
EDITABLE = (InspectionStatus.DRAFT, InspectionStatus.SCHEDULED)


def visible_inspections(user: User) -> sa.Select:
    """The inspections a user may see, as a query to filter and paginate further."""
    query = sa.select(Inspection)
    if is_manager(user):
        return query
    if user.role == Role.INSPECTOR:
        return query.where(Inspection.id.in_(_team_inspections(user)))
    return query.where(Inspection.unit_id.in_(_visible_unit_ids(user)), Inspection.status.in_(VISIBLE_TO_UNIT_HEADS))


def can_view_inspection(user: User, inspection: Inspection) -> bool:
    return db.session.scalar(visible_inspections(user).where(Inspection.id == inspection.id)) is not None


def can_edit_inspection(user: User, inspection: Inspection) -> bool:
    return is_manager(user) and inspection.status in EDITABLE


def can_open_checklist(user: User, inspection: Inspection) -> bool:
    """The team and leaders open the checklist (DESIGN.md §4); unit heads never see it being filled."""
    return is_manager(user) or inspection.role_of(user) is not None


def can_answer(user: User, inspection: Inspection) -> bool:
    """Team members answer while the field work is in progress."""
    return may_answer(user, inspection.status, inspection.role_of(user))


def may_answer(user: User, status: InspectionStatus, team_role: TeamRole | None) -> bool:
    """`can_answer` from the inspection's status and the user's team role, when these are already read."""
    # A unit head never answers, even one still listed in a team from before their account changed.
    return status == InspectionStatus.IN_PROGRESS and team_role is not None and user.role != Role.UNIT_HEAD


# --- checklist templates -------------------------------------------------------------------------

def _published_only(user: User) -> bool:
    """Inspectors read the published versions; managers every version (unit heads see no templates)."""
    return user.role == Role.INSPECTOR


def visible_templates(user: User) -> sa.Select:
    """The checklist templates a staff user may read."""
    query = sa.select(ChecklistTemplate)
    if _published_only(user):
        query = query.where(ChecklistTemplate.status == TemplateStatus.PUBLISHED)
    return query


def can_view_template(user: User, template: ChecklistTemplate) -> bool:
    return not _published_only(user) or template.status == TemplateStatus.PUBLISHED


# --- findings ------------------------------------------------------------------------------------

# Drafts are made, edited, confirmed and dismissed while the inspection is under way or under review.
DRAFTING = (InspectionStatus.IN_PROGRESS, InspectionStatus.REVIEWING, InspectionStatus.MINUTES_SIGNED)
# The conclusion notice issues the confirmed drafts once the minutes are signed.
ISSUABLE = (InspectionStatus.MINUTES_SIGNED,)
# The responsible unit answers while a finding is open.
ANSWERABLE = (FindingStatus.OPEN, FindingStatus.IN_PROGRESS, FindingStatus.REOPENED)


def visible_findings(user: User) -> sa.Select:
    """The findings a user may see, as a query to filter and paginate further.

    Leaders see all; an inspector the findings of inspections whose team they are in (drafts too);
    a unit head the issued findings of their unit and its sub-units, whatever the inspection.
    """
    query = sa.select(Finding)
    if is_manager(user):
        return query
    if user.role == Role.INSPECTOR:
        return query.where(Finding.inspection_id.in_(_team_inspections(user)))
    return query.where(Finding.unit_id.in_(_visible_unit_ids(user)), Finding.status.in_(ISSUED_STATUSES))


def can_view_finding(user: User, finding: Finding) -> bool:
    return db.session.scalar(visible_findings(user).where(Finding.id == finding.id).with_only_columns(
        Finding.id)) is not None


def _in_team(user: User, inspection: Inspection) -> bool:
    return inspection.role_of(user) is not None


def _is_team_lead(user: User, inspection: Inspection) -> bool:
    return inspection.role_of(user) == TeamRole.LEAD


def _is_unit_head_of(user: User, finding: Finding) -> bool:
    if user.role != Role.UNIT_HEAD:
        return False
    return finding.unit_id in _visible_unit_ids(user)


def can_draft_findings(user: User, inspection: Inspection) -> bool:
    """The team (and leaders) add and edit draft findings while the inspection is not concluded."""
    return inspection.status in DRAFTING and (is_manager(user) or _in_team(user, inspection))


def can_issue_findings(user: User, inspection: Inspection) -> bool:
    return is_manager(user) and inspection.status in ISSUABLE


def can_edit_finding(user: User, finding: Finding) -> bool:
    return finding.status in (FindingStatus.DRAFT, FindingStatus.DISMISSED) and can_draft_findings(user, finding.inspection)


def can_respond(user: User, finding: Finding) -> bool:
    """The responsible unit's head posts plans and progress while the finding is open."""
    return finding.status in ANSWERABLE and _is_unit_head_of(user, finding)


def can_submit(user: User, finding: Finding) -> bool:
    return finding.status == FindingStatus.IN_PROGRESS and _is_unit_head_of(user, finding)


def can_comment(user: User, finding: Finding) -> bool:
    """Anyone with a part in an issued, unclosed finding may add a comment to its thread."""
    if finding.status not in ACTIVE_STATUSES:
        return False
    return is_manager(user) or _in_team(user, finding.inspection) or _is_unit_head_of(user, finding)


def can_verify(user: User, finding: Finding) -> bool:
    """The team leader of the inspection, or a leader, accepts or sends back a submitted finding."""
    return finding.status == FindingStatus.SUBMITTED and (is_manager(user) or _is_team_lead(user, finding.inspection))


def can_extend(user: User, finding: Finding) -> bool:
    return is_manager(user) and finding.status in ACTIVE_STATUSES


def can_reassign(user: User, finding: Finding) -> bool:
    return is_manager(user) and finding.status in ACTIVE_STATUSES


@dataclass(frozen=True)
class FindingRights:
    """What the user may do with one finding: computed once per page, used by the template."""

    edit: bool
    respond: bool
    submit: bool
    comment: bool
    verify: bool
    extend: bool
    reassign: bool


def finding_rights(user: User, finding: Finding) -> FindingRights:
    unit_head = _is_unit_head_of(user, finding)  # one query for the three rights that need it
    return FindingRights(edit=can_edit_finding(user, finding), respond=finding.status in ANSWERABLE and unit_head,
                         submit=finding.status == FindingStatus.IN_PROGRESS and unit_head,
                         comment=can_comment(user, finding), verify=can_verify(user, finding),
                         extend=can_extend(user, finding), reassign=can_reassign(user, finding))


# --- documents -----------------------------------------------------------------------------------

D = DocumentStatus
# Unit heads read their unit's documents once they exist on paper.
ISSUED_DOCUMENTS = (D.FINAL, D.SIGNED)
# A document's first version is made in these inspection states; corrections in the later ones.
STARTS = {DocumentKind.MINUTES: (InspectionStatus.REVIEWING,), DocumentKind.CONCLUSION: (InspectionStatus.MINUTES_SIGNED,)}
CORRECTABLE = {DocumentKind.MINUTES: (InspectionStatus.REVIEWING, InspectionStatus.MINUTES_SIGNED, InspectionStatus.CONCLUDED, InspectionStatus.CLOSED),
               DocumentKind.CONCLUSION: (InspectionStatus.CONCLUDED, InspectionStatus.CLOSED)}


def visible_documents(user: User) -> sa.Select:
    """The inspections' documents a user may read, as a query: leaders all; inspectors those of their teams'
    inspections; a unit head the final and signed documents of inspections of their unit (and its
    sub-units)."""
    query = sa.select(Document).where(Document.inspection_id.is_not(None))
    if is_manager(user):
        return query
    if user.role == Role.INSPECTOR:
        return query.where(Document.inspection_id.in_(_team_inspections(user)))
    units = _visible_unit_ids(user)
    return query.where(Document.status.in_(ISSUED_DOCUMENTS),
                       Document.inspection_id.in_(sa.select(Inspection.id).where(Inspection.unit_id.in_(units))))


def can_view_document(user: User, document: Document) -> bool:
    return db.session.scalar(visible_documents(user).where(Document.id == document.id)
                             .with_only_columns(Document.id)) is not None


def is_document_writer(user: User, inspection: Inspection, kind: DocumentKind) -> bool:
    """Who writes, finalises and uploads the signed scan: the team lead (and leaders) for the minutes,
    leaders for the conclusion."""
    if is_manager(user):
        return True
    return kind == DocumentKind.MINUTES and _is_team_lead(user, inspection)


def first_document(inspection: Inspection, kind: DocumentKind) -> Document | None:
    """The inspection's first document of this kind (not a correction), if there is one."""
    return db.session.scalar(sa.select(Document).where(
        Document.inspection_id == inspection.id, Document.kind == kind, Document.corrects_id.is_(None)))


def can_start_document(user: User, inspection: Inspection, kind: DocumentKind) -> bool:
    return (inspection.status in STARTS[kind] and is_document_writer(user, inspection, kind)
            and first_document(inspection, kind) is None)


def can_edit_document(user: User, document: Document) -> bool:
    return document.is_draft and is_document_writer(user, document.inspection, document.kind)


def finalisable_now(document: Document) -> bool:
    """Whether the inspection's state lets this document be finalised (corrections later than firsts)."""
    states = CORRECTABLE[document.kind] if document.corrects_id else STARTS[document.kind]
    return document.inspection.status in states


def can_finalise_document(user: User, document: Document) -> bool:
    return can_edit_document(user, document) and finalisable_now(document)


def can_sign_document(user: User, document: Document) -> bool:
    return document.status == D.FINAL and is_document_writer(user, document.inspection, document.kind)


def can_correct_document(user: User, document: Document) -> bool:
    return (document.status in ISSUED_DOCUMENTS and is_document_writer(user, document.inspection, document.kind)
            and document.inspection.status in CORRECTABLE[document.kind])


@dataclass(frozen=True)
class DocumentRights:
    """What the user may do with one document: computed once per page, used by the template."""

    edit: bool
    finalise: bool
    sign: bool
    correct: bool


def document_rights(user: User, document: Document) -> DocumentRights:
    return DocumentRights(edit=can_edit_document(user, document), finalise=can_finalise_document(user, document),
                          sign=can_sign_document(user, document), correct=can_correct_document(user, document))


# --- the secretariat's documents: plans and periodic reports --------------------------------------

SECRETARIAT_KINDS = (DocumentKind.PLAN, DocumentKind.REPORT)


def visible_secretariat_documents(user: User) -> sa.Select:
    """The plans and periodic reports a user may read, as a query: leaders and administrators every one,
    drafts too; the staff who see the dashboard the issued ones; unit heads the issued plans, which are
    sent to every unit."""
    query = sa.select(Document).where(Document.kind.in_(SECRETARIAT_KINDS))
    if is_manager(user):
        return query
    issued = Document.status.in_(ISSUED_DOCUMENTS)
    if is_staff(user):
        return query.where(issued)
    return query.where(issued, Document.kind == DocumentKind.PLAN)


def visible_plans(user: User) -> sa.Select:
    return visible_secretariat_documents(user).where(Document.kind == DocumentKind.PLAN)


def can_read_reports(user: User) -> bool:
    """The staff who see the dashboard read the issued periodic reports (and their page)."""
    return is_staff(user)


def visible_reports(user: User) -> sa.Select:
    return visible_secretariat_documents(user).where(Document.kind == DocumentKind.REPORT)


def can_write_secretariat_documents(user: User) -> bool:
    """Leaders and administrators make, finalise, sign, correct (and amend) plans and reports."""
    return is_manager(user)


def secretariat_rights(user: User, document: Document) -> DocumentRights:
    writer = can_write_secretariat_documents(user)
    return DocumentRights(edit=writer and document.is_draft, finalise=writer and document.is_draft,
                          sign=writer and document.status == D.FINAL,
                          correct=writer and document.status in ISSUED_DOCUMENTS)


# --- directives and follow-up items --------------------------------------------------------------

# The unit answers its items while they are open; a completion report needs something reported first.
REPORTABLE = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS, FollowUpStatus.REOPENED)


def visible_follow_ups(user: User) -> sa.Select:
    """The follow-up items a user may see: staff all (proposals too); a unit head the given items of
    their unit and its sub-units."""
    query = sa.select(FollowUpItem)
    if is_staff(user):
        return query
    return query.where(FollowUpItem.unit_id.in_(_visible_unit_ids(user)), FollowUpItem.status.in_(FOLLOW_UP_GIVEN))


def visible_directives(user: User) -> sa.Select:
    """Directives: staff read all; a unit head those that give their unit a task."""
    query = sa.select(Directive)
    if is_staff(user):
        return query
    given = visible_follow_ups(user).with_only_columns(FollowUpItem.task_id)
    return query.where(Directive.id.in_(sa.select(DirectiveTask.directive_id).where(DirectiveTask.id.in_(given))))


def _is_unit_head_of_item(user: User, item: FollowUpItem) -> bool:
    if user.role != Role.UNIT_HEAD:
        return False
    return item.unit_id in _visible_unit_ids(user)


@dataclass(frozen=True)
class FollowUpRights:
    """What the user may do with one follow-up item: computed once per page, used by the template."""

    report: bool  # a plan or a progress report
    complete: bool  # the completion report (items with a due date)
    comment: bool
    evaluate: bool
    decide: bool  # confirm or dismiss a proposal


def follow_up_rights(user: User, item: FollowUpItem) -> FollowUpRights:
    unit_head = _is_unit_head_of_item(user, item)
    has_end = item.due_date is not None and not (item.task is not None and item.task.is_ongoing)
    return FollowUpRights(
        report=unit_head and item.status in REPORTABLE,
        complete=unit_head and has_end and item.status in REPORTABLE,
        comment=item.status in FOLLOW_UP_ACTIVE and (is_manager(user) or unit_head),
        evaluate=is_manager(user) and item.status in FOLLOW_UP_ACTIVE,
        decide=is_manager(user) and item.status == FollowUpStatus.PROPOSED)
