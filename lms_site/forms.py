import django_filters
from django.core.exceptions import ValidationError
from django.forms import ModelChoiceField
from django.forms.renderers import TemplatesSetting

from .inputs import read_id


class SiteFormRenderer(TemplatesSetting):
    """Renders `field.as_field_group` with the site's accessible field markup (label, help, errors)."""

    field_template_name = "components/field.html"


class ReadsIdMixin:
    """For a ModelChoiceField keyed by the primary key: the submitted value is read with lms_site.inputs.read_id
    before any query, so an id beyond a 64-bit key (or not an id at all) is an invalid choice, not an
    OverflowError from the database. Also behind IdModelChoiceFilter, for listings' filters."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, self.queryset.model) and read_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdModelChoiceField(ReadsIdMixin, ModelChoiceField):
    pass


class _IdFilterField(ReadsIdMixin, django_filters.fields.ModelChoiceField):
    pass


class IdModelChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filter's ModelChoiceFilter, reading the id from the query string with read_id first."""

    field_class = _IdFilterField
