import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import DateField, FloatField, IntegerField, SelectChoice, SelectField, SelectMultipleField, \
    StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.checklists.forms import enum_choices
from app.extensions import db
from app.findings.forms import files_field
from app.forms import Form, clamp_year, db_int
from app.models import IssuingBody, ParArea, ReportingCycle, TargetKind
from app.units.forms import coerce_id, unit_choices


def list_filters(args) -> dict:
    return {"year": clamp_year(args.get("year", type=db_int)), "body": args.get("body", type=db_int),
            "q": args.get("q", "").strip()}


def body_choices(blank_label) -> list[SelectChoice]:
    bodies = db.session.execute(sa.select(IssuingBody.id, IssuingBody.name).where(IssuingBody.active)
                                .order_by(IssuingBody.name))
    return [SelectChoice("", blank_label)] + [SelectChoice(str(i), name) for i, name in bodies]


def optional_enum(enum_cls):
    return lambda value: enum_cls(value) if value else None


class DirectiveForm(Form):
    number = StringField(_l("Number and symbol"), validators=[DataRequired(), Length(max=64)],
                         description=_l("e.g. 517/BCĐ-NC"))
    issued_on = DateField(_l("Date"), validators=[DataRequired()])
    issuing_body_id = SelectField(_l("Issuing body"), coerce=coerce_id, validators=[DataRequired()])
    subject = TextAreaField(_l("Subject"), validators=[DataRequired(), Length(max=2000)])
    signer_name = StringField(_l("Signed by"), validators=[Optional(), Length(max=255)])
    signer_title = StringField(_l("Signer's title"), validators=[Optional(), Length(max=255)])
    file = files_field(_l("Signed file (PDF or scan)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.issuing_body_id.choices = body_choices(_l("— choose —"))

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in
                ("number", "issued_on", "issuing_body_id", "subject", "signer_name", "signer_title")}


class TaskForm(Form):
    parent_id = SelectField(_l("Part of task"), coerce=coerce_id, validators=[Optional()])
    code = StringField(_l("Number"), validators=[Optional(), Length(max=16)], description=_l("As in the directive, e.g. 1.4a"))
    title = TextAreaField(_l("Task"), validators=[DataRequired(), Length(max=2000)])
    detail = TextAreaField(_l("Details"), validators=[Optional(), Length(max=5000)])
    legal_basis = TextAreaField(_l("Legal basis"), validators=[Optional(), Length(max=2000)])
    lead = SelectMultipleField(_l("Lead units (chủ trì)"), coerce=int, validators=[Optional()])
    coordinating = SelectMultipleField(_l("Coordinating units (phối hợp)"), coerce=int, validators=[Optional()])
    due_date = DateField(_l("Due date"), validators=[Optional()])
    cycle = SelectField(_l("Or ongoing, reported"), coerce=optional_enum(ReportingCycle), validators=[Optional()],
                        description=_l("For an ongoing task (thường xuyên): leave the due date empty."))
    par_area = SelectField(_l("PAR INDEX field it serves"), coerce=optional_enum(ParArea), validators=[Optional()])
    target_kind = SelectField(_l("Measurable target"), coerce=optional_enum(TargetKind), validators=[Optional()])
    target_measure = TextAreaField(_l("What is measured"), validators=[Optional(), Length(max=2000)])
    target_value = FloatField(_l("Target"), validators=[Optional()],
                              description=_l("A share in per cent, or the number of places to gain."))
    baseline_value = FloatField(_l("Baseline"), validators=[Optional()],
                                description=_l("The share in per cent, or the rank at the start."))
    baseline_of = IntegerField(_l("Ranked among"), validators=[Optional(), NumberRange(min=1)],
                               description=_l("For a rank: among how many, e.g. 63."))
    baseline_year = IntegerField(_l("Baseline year"), validators=[Optional(), NumberRange(min=1990, max=2100)])

    def __init__(self, *args, directive=None, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent_id.choices = [SelectChoice("", _l("— a top task —"))] + [
            SelectChoice(str(t.id), t.label[:120]) for t in (directive.tasks if directive else ())
            if task is None or t.id != task.id]
        units = unit_choices("")[1:]
        self.lead.choices = self.coordinating.choices = [SelectChoice(int(c.value), c.label) for c in units]
        self.cycle.choices = enum_choices(ReportingCycle, blank=_l("— not ongoing —"))
        self.par_area.choices = enum_choices(ParArea, blank=_l("— none —"))
        self.target_kind.choices = enum_choices(TargetKind, blank=_l("— none —"))

    def values(self) -> dict:
        names = ("parent_id", "code", "title", "detail", "legal_basis", "due_date", "cycle", "par_area", "target_kind",
                 "target_measure", "target_value", "baseline_value", "baseline_of", "baseline_year")
        return {name: getattr(self, name).data for name in names}
