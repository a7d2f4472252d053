from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, FloatField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.forms import Form
from app.models import AnswerType, EvidenceRule, ParArea, Severity, TargetOperator
from app.services.checklist_io import parse_choices


class DecimalCommaFloatField(FloatField):
    """A number field that also takes the Vietnamese decimal comma (95,5)."""

    def process_formdata(self, valuelist):
        super().process_formdata([value.replace(",", ".") for value in valuelist])


def parse_bands(text: str) -> list[dict]:
    """One grading band per line: "Tốt: 90" (the lowest percentage of points for the band)."""
    bands = []
    for line in (line.strip() for line in (text or "").splitlines() if line.strip()):
        label, _, minimum = line.rpartition(":")
        value = float(minimum.strip().rstrip("%"))
        if not label.strip() or not 0 <= value <= 100:
            raise ValueError(line)
        bands.append({"label": label.strip(), "min_percent": value})
    return sorted(bands, key=lambda band: band["min_percent"], reverse=True)


def format_bands(bands: list[dict]) -> str:
    return "\n".join(f"{band['label']}: {band['min_percent']:g}" for band in bands)


def enum_choices(enum_cls, blank=None) -> list[SelectChoice]:
    choices = [SelectChoice(member.value, member.label) for member in enum_cls]
    return ([SelectChoice("", blank)] if blank is not None else []) + choices


class TemplateForm(Form):
    family = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)],
                         description=_l("Shared by every version, e.g. KTCV."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    scope = TextAreaField(_l("Scope"), validators=[Optional()])
    legal_basis = TextAreaField(_l("Legal basis"), validators=[Optional()],
                                description=_l("One document per line."))
    grading_bands = TextAreaField(_l("Grading bands"),
                                  description=_l("One band per line with its lowest percentage of points, e.g. Tốt: 90."))
    submit = SubmitField(_l("Save"))

    def validate_grading_bands(self, field):
        try:
            field.parsed = parse_bands(field.data)
        except ValueError:
            raise ValidationError(_l("Write each band as \"name: lowest percentage\" (0–100)."))
        if not field.parsed:
            raise ValidationError(_l("Give at least one grading band."))


class NewTemplateForm(TemplateForm):
    grading_bands = None


class SectionForm(Form):
    code = StringField(_l("Code"), validators=[Optional(), Length(max=32)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=255)])
    par_area = SelectField(_l("PAR INDEX field"), validators=[Optional()])
    submit = SubmitField(_l("Save section"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.par_area.choices = enum_choices(ParArea, blank=_l("— none —"))


class ItemForm(Form):
    code = StringField(_l("Code"), validators=[Optional(), Length(max=32)])
    question = TextAreaField(_l("Question"), validators=[DataRequired()])
    guidance = TextAreaField(_l("Guidance for the inspector"), validators=[Optional()])
    legal_basis = TextAreaField(_l("Legal basis"), validators=[Optional()])
    legal_basis_unverified = BooleanField(_l("Legal basis still to be checked against the original text"))
    answer_type = SelectField(_l("Answer type"), validators=[DataRequired()])
    target_operator = SelectField(_l("Comparison"), validators=[Optional()])
    target_value = DecimalCommaFloatField(_l("Target"), validators=[Optional()])
    unit = StringField(_l("Unit of measure"), validators=[Optional(), Length(max=32)])
    formula = TextAreaField(_l("Formula"), validators=[Optional()])
    numerator_label = StringField(_l("Numerator (what is counted)"), validators=[Optional(), Length(max=255)])
    denominator_label = StringField(_l("Denominator (out of)"), validators=[Optional(), Length(max=255)])
    choices = TextAreaField(_l("Choices"), validators=[Optional()],
                            description=_l("One per line: value=label=đạt, không đạt or kad, e.g. 1=Đầy đủ=đạt."))
    weight = DecimalCommaFloatField(_l("Weight"), default=1.0,
                        validators=[InputRequired(),  # DataRequired would call a weight of 0 missing
                                    NumberRange(min=0.01, message=_l("The weight must be greater than 0."))])
    evidence_required = SelectField(_l("Evidence required"))
    default_severity = SelectField(_l("Default severity"))
    submit = SubmitField(_l("Save item"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.answer_type.choices = enum_choices(AnswerType)
        self.target_operator.choices = enum_choices(TargetOperator, blank=_l("— no target —"))
        self.evidence_required.choices = enum_choices(EvidenceRule)
        self.default_severity.choices = enum_choices(Severity)

    def validate_choices(self, field):
        field.parsed, problems = parse_choices(field.data or "")
        if problems:
            raise ValidationError(" ".join(problems))

    def values(self) -> dict:
        """The item's model values from the form."""
        return {
            "code": self.code.data.strip(),
            "question": self.question.data.strip(),
            "guidance": self.guidance.data.strip(),
            "legal_basis": self.legal_basis.data.strip(),
            "legal_basis_unverified": self.legal_basis_unverified.data,
            "answer_type": AnswerType(self.answer_type.data),
            "target_operator": TargetOperator(self.target_operator.data) if self.target_operator.data else None,
            "target_value": self.target_value.data,
            "unit": self.unit.data.strip(),
            "formula": self.formula.data.strip(),
            "numerator_label": self.numerator_label.data.strip(),
            "denominator_label": self.denominator_label.data.strip(),
            "choices": self.choices.parsed if self.answer_type.data == AnswerType.CHOICE else [],
            "weight": self.weight.data,
            "evidence_required": EvidenceRule(self.evidence_required.data),
            "default_severity": Severity(self.default_severity.data),
        }


class ImportForm(Form):
    file = FileField(
        _l("File (.json or .xlsx)"),
        validators=[FileRequired(_l("Choose a file.")),
                    FileAllowed(["json", "xlsx"], _l("Choose a .json or .xlsx file."))],
    )
    submit = SubmitField(_l("Import"))
