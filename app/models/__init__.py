"""Every model, imported here so Alembic's autogenerate sees them all."""
from app.models.answer import Answer, Attachment
from app.models.audit import AuditEvent
from app.models.cchc_index import IndexResult, IndexScore
from app.models.checklist import (
    AnswerType,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    EvidenceRule,
    ParArea,
    Severity,
    TargetOperator,
    TemplateStatus,
)
from app.models.directive import Directive, DirectiveTask, ReportingCycle, TargetKind
from app.models.document import Document, DocumentKind, DocumentSequence, DocumentStatus
from app.models.finding import (
    ACTIVE_STATUSES,
    ISSUED_STATUSES,
    Finding,
    FindingEvent,
    FindingEventKind,
    FindingSeverity,
    FindingStatus,
)
from app.models.follow_up import (
    DONE_OUTCOMES,
    FOLLOW_UP_ACTIVE,
    FOLLOW_UP_GIVEN,
    FollowUpEvent,
    FollowUpEventKind,
    FollowUpItem,
    FollowUpKind,
    FollowUpStatus,
    Outcome,
    UnitRole,
)
from app.models.inspection import Inspection, InspectionKind, InspectionMember, InspectionStatus, TeamRole
from app.models.notification import Notification
from app.models.report import InspectionScore
from app.models.search import SearchTerm
from app.models.unit_figures import ItemYearFailures, TemplateYearScored, UnitYearArea, UnitYearFigures
from app.models.unit import IssuingBody, Unit, UnitKind
from app.models.user import Role, User, UserSession

__all__ = [
    "ACTIVE_STATUSES",
    "DONE_OUTCOMES",
    "FOLLOW_UP_ACTIVE",
    "FOLLOW_UP_GIVEN",
    "ISSUED_STATUSES",
    "Answer",
    "AnswerType",
    "Attachment",
    "AuditEvent",
    "ChecklistItem",
    "ChecklistSection",
    "ChecklistTemplate",
    "Directive",
    "DirectiveTask",
    "Document",
    "DocumentKind",
    "DocumentSequence",
    "DocumentStatus",
    "EvidenceRule",
    "Finding",
    "FindingEvent",
    "FindingEventKind",
    "FindingSeverity",
    "FindingStatus",
    "FollowUpEvent",
    "FollowUpEventKind",
    "FollowUpItem",
    "FollowUpKind",
    "FollowUpStatus",
    "IndexResult",
    "IndexScore",
    "Inspection",
    "InspectionKind",
    "InspectionMember",
    "InspectionScore",
    "InspectionStatus",
    "ItemYearFailures",
    "IssuingBody",
    "Notification",
    "Outcome",
    "ParArea",
    "ReportingCycle",
    "Role",
    "SearchTerm",
    "Severity",
    "TargetKind",
    "TargetOperator",
    "TeamRole",
    "TemplateStatus",
    "TemplateYearScored",
    "Unit",
    "UnitKind",
    "UnitYearArea",
    "UnitYearFigures",
    "UnitRole",
    "User",
    "UserSession",
]
