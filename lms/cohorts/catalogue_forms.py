"""The catalogue's search form: a GET form (no CSRF: it changes nothing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField
from wtforms.validators import Length, Optional

from lms.catalog.models import MODALITY_TITLES
from lms.i18n import LANGUAGES, country_choices
from lms.web.fields import CountryField

# Longer than any course code or title a person would type; more is refused, not cut.
SEARCH_MAX = 100


class _AnyCountryField(CountryField):
    """A country to filter by: its blank choice reads "any country", not "choose one"."""

    def iter_choices(self):
        self.choices = [("", str(_l("Any country")))] + country_choices()
        return super(CountryField, self).iter_choices()


class CatalogueSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Course code or title"), validators=[Optional(), Length(max=SEARCH_MAX)])
    program = SelectField(_l("Program"), validators=[Optional()])
    language = SelectField(_l("Language"), validators=[Optional()],
                           description=_l("Content or a cohort in this language."))
    modality = SelectField(_l("Modality"), validators=[Optional()])
    country = _AnyCountryField(_l("Country"), validators=[Optional()],
                               description=_l("A cohort running or to come in this country."))

    def __init__(self, *args, programs=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.program.choices = [("", str(_l("All programs")))] + [
            (program.code, program.in_locale("name")) for program in programs]
        self.language.choices = [("", str(_l("Any language")))] + list(LANGUAGES.items())
        self.modality.choices = [("", str(_l("Any modality")))] + [
            (modality.value, str(title)) for modality, title in MODALITY_TITLES.items()]

    @property
    def filters(self) -> dict[str, str]:
        """The filters given, by argument name: for the query and the pagination links."""
        return {name: field.data.strip() for name, field in self._fields.items()
                if isinstance(field.data, str) and field.data.strip()}
