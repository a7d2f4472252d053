from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, MultipleFileField, RadioField, SelectChoice, SelectField, StringField, \
    TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.checklists.forms import enum_choices
from app.forms import Form, clamp_year, db_int
from app.models import FindingEventKind, Severity
from app.units.forms import coerce_id

FILE_HINT = _l("Photos or PDF files; several at once.")


def list_filters(args) -> dict:
    """The findings list's filters as the URL gives them (app.services.finding_lists applies them)."""
    return {
        "q": args.get("q", "").strip(),
        "unit": args.get("unit", type=db_int),
        "unit_q": args.get("unit_q", "").strip(),
        "status": args.get("status", ""),
        "severity": args.get("severity", ""),
        "overdue": args.get("overdue") == "1",
        "repeat": args.get("repeat") == "1",
        "year": clamp_year(args.get("year", type=db_int)),
        "inspection": args.get("inspection", type=db_int),
    }


def files_field(label=_l("Evidence files")):
    return MultipleFileField(label, description=FILE_HINT,
                             render_kw={"accept": "image/*,application/pdf", "capture": "environment"})


class FindingForm(Form):
    title = StringField(_l("Finding"), validators=[DataRequired(), Length(max=255)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)],
                                description=_l("What was found, where and how much."))
    legal_basis = TextAreaField(_l("Legal basis"), validators=[Optional(), Length(max=2000)])
    severity = SelectField(_l("Severity"), description=_l("The scale of Nghị định 172/2025."))
    recommendation = TextAreaField(_l("Recommendation"), validators=[DataRequired(), Length(max=5000)],
                                   description=_l("What the unit must do (kiến nghị)."))
    unit_id = SelectField(_l("Responsible unit"), coerce=coerce_id, validators=[DataRequired()])
    due_date = DateField(_l("Due date"), validators=[Optional()],
                         description=_l("Left empty, it is proposed from the severity."))
    row_version = HiddenField()

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.severity.choices = enum_choices(Severity)
        self.unit_id.choices = [SelectChoice(str(i), name) for i, name in units]

    def values(self) -> dict:
        return {"title": self.title.data.strip(), "description": (self.description.data or "").strip(),
                "legal_basis": (self.legal_basis.data or "").strip(), "severity": Severity(self.severity.data),
                "recommendation": (self.recommendation.data or "").strip(), "unit_id": self.unit_id.data,
                "due_date": self.due_date.data}


class ResponseForm(Form):
    kind = RadioField(_l("What are you posting?"), default=FindingEventKind.PROGRESS.value)
    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=5000)])
    file = files_field()

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, prefix="respond", **kwargs)
        self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in kinds]
        if len(self.kind.choices) == 1:
            self.kind.data = self.kind.choices[0].value


class SubmitForm(Form):
    text = TextAreaField(_l("What was done"), validators=[Optional(), Length(max=5000)])
    file = files_field()
    no_evidence_reason = TextAreaField(_l("No evidence? Say why"), validators=[Optional(), Length(max=5000)],
                                       description=_l("Needed only when no evidence file was posted."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="submit", **kwargs)


class AcceptForm(Form):
    text = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="accept", **kwargs)


class SendBackForm(Form):
    reason = TextAreaField(_l("Reason for sending it back"), validators=[DataRequired(), Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="back", **kwargs)


class ExtendForm(Form):
    new_due_date = DateField(_l("New due date"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason for the extension"), validators=[DataRequired(), Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="extend", **kwargs)


class ReassignForm(Form):
    unit_id = SelectField(_l("New responsible unit"), coerce=coerce_id, validators=[DataRequired()])
    reason = TextAreaField(_l("Reason for the change"), validators=[DataRequired(), Length(max=5000)])

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, prefix="reassign", **kwargs)
        self.unit_id.choices = units


class DismissForm(Form):
    reason = TextAreaField(_l("Reason for dismissing"), validators=[DataRequired(), Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="dismiss", **kwargs)


class PhotoForm(Form):
    file = files_field(_l("Photos of the finding"))
