from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, IntegerField, SubmitField
from wtforms.validators import DataRequired, NumberRange

from app.forms import Form


class IndexImportForm(Form):
    year = IntegerField(_l("Year of the index"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    file = FileField(_l("Excel file (.xlsx)"), validators=[FileRequired(_l("Choose a file.")),
                                                          FileAllowed(["xlsx"], _l("Choose an .xlsx file."))])
    replace = BooleanField(_l("Replace the year's index if it was imported before"))
    submit = SubmitField(_l("Import"))
