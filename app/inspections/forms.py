import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional

from app.checklists.forms import enum_choices
from app.extensions import db
from app.forms import Form
from app.models import ChecklistTemplate, InspectionKind, IssuingBody, TeamRole, TemplateStatus, User
from app.services.inspections import TeamMember
from app.services.permissions import TEAM_ROLES
from app.units.forms import coerce_id, unit_choices


def staff_choices(blank=None) -> list[SelectChoice]:
    """Active inspectors and leaders, who can sit in an inspection team."""
    rows = db.session.execute(
        sa.select(User.id, User.full_name, User.title)
        .where(User.active, User.role.in_(TEAM_ROLES))
        .order_by(User.full_name)
    )
    choices = [SelectChoice(str(i), f"{name} ({title})" if title else name) for i, name, title in rows]
    return ([SelectChoice("", blank)] if blank is not None else []) + choices


class CheckboxListField(SelectMultipleField):
    """Several choices as checkboxes: big touch targets, and no Ctrl-click as a multiple <select> needs."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class InspectionForm(Form):
    title = StringField(_l("Inspection title"), validators=[DataRequired(), Length(max=255)])
    kind = SelectField(_l("Inspection kind"))
    unit_id = SelectField(_l("Inspected unit"), coerce=coerce_id, validators=[DataRequired()])
    template_id = SelectField(_l("Checklist"), coerce=coerce_id, validators=[DataRequired()],
                              description=_l("A published version; the inspection keeps exactly its questions."))
    legal_basis = TextAreaField(_l("Legal basis"), validators=[Optional()],
                                description=_l("One document per line."))
    decision_number = StringField(_l("Decision number"), validators=[Optional(), Length(max=64)],
                                  description=_l("E.g. 12/QĐ-BCĐ; needed before scheduling."))
    decision_date = DateField(_l("Decision date"), validators=[Optional()])
    issuing_body_id = SelectField(_l("Issuing body"), coerce=coerce_id, validators=[Optional()])
    planned_start = DateField(_l("Planned start"), validators=[DataRequired()])
    planned_end = DateField(_l("Planned end"), validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=255)])
    lead_id = SelectField(_l("Team leader"), coerce=coerce_id, validators=[DataRequired()])
    deputy_id = SelectField(_l("Deputy team leader"), coerce=coerce_id, validators=[Optional()])
    secretary_id = SelectField(_l("Secretary"), coerce=coerce_id, validators=[Optional()])
    member_ids = CheckboxListField(_l("Members"), coerce=int, validators=[Optional()])
    row_version = HiddenField()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, inspection=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = enum_choices(InspectionKind)
        self.unit_id.choices = unit_choices(_l("— choose —"), current_id=inspection.unit_id if inspection else None)
        templates = sa.select(ChecklistTemplate).where(sa.or_(
            ChecklistTemplate.status == TemplateStatus.PUBLISHED,
            ChecklistTemplate.id == (inspection.template_id if inspection else None),
        )).order_by(ChecklistTemplate.family, ChecklistTemplate.version.desc())
        self.template_id.choices = [SelectChoice("", _l("— choose —"))] + [
            SelectChoice(str(t.id), f"{t.family} v{t.version} — {t.name}") for t in db.session.scalars(templates)]
        bodies = db.session.execute(sa.select(IssuingBody.id, IssuingBody.name).where(IssuingBody.active)
                                    .order_by(IssuingBody.name))
        self.issuing_body_id.choices = [SelectChoice("", _l("— none —"))] + [
            SelectChoice(str(i), name) for i, name in bodies]
        self.lead_id.choices = staff_choices(_l("— choose —"))
        self.deputy_id.choices = self.secretary_id.choices = staff_choices(_l("— none —"))
        self.member_ids.choices = staff_choices()
        if inspection is not None and not self.is_submitted():
            by_role = {}
            for member in inspection.members:
                by_role.setdefault(member.role, []).append(member.user_id)
            self.lead_id.data = (by_role.get(TeamRole.LEAD) or [None])[0]
            self.deputy_id.data = (by_role.get(TeamRole.DEPUTY) or [None])[0]
            self.secretary_id.data = (by_role.get(TeamRole.SECRETARY) or [None])[0]
            self.member_ids.data = by_role.get(TeamRole.MEMBER, [])
            self.row_version.data = inspection.row_version

    def team(self) -> list[TeamMember]:
        team = [TeamMember(self.lead_id.data, TeamRole.LEAD)]
        if self.deputy_id.data:
            team.append(TeamMember(self.deputy_id.data, TeamRole.DEPUTY))
        if self.secretary_id.data:
            team.append(TeamMember(self.secretary_id.data, TeamRole.SECRETARY))
        team += [TeamMember(user_id, TeamRole.MEMBER) for user_id in self.member_ids.data or []]
        return team

    def values(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "kind": InspectionKind(self.kind.data),
            "legal_basis": self.legal_basis.data.strip(),
            "decision_number": self.decision_number.data.strip() or None,
            "decision_date": self.decision_date.data,
            "issuing_body_id": self.issuing_body_id.data,
            "unit_id": self.unit_id.data,
            "template_id": self.template_id.data,
            "planned_start": self.planned_start.data,
            "planned_end": self.planned_end.data,
            "place": self.place.data.strip(),
        }


class TransitionForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000)])

