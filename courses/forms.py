from django import forms
from django.contrib.auth import get_user_model
from wagtail.admin.forms import WagtailAdminPageForm

from . import registry


class CoursePageForm(WagtailAdminPageForm):
    """A trainer can only create or keep courses that name them as the trainer."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user_model = get_user_model()
        trainer_field = self.fields["trainer"]
        user = self.for_user
        if user is not None and getattr(user, "is_trainer", False):
            trainer_field.queryset = user_model.objects.filter(pk=user.pk)
            trainer_field.required = True
            trainer_field.empty_label = None
            trainer_field.help_text = "You are the trainer of the courses you create."
            if not self.instance.trainer_id:
                self.initial["trainer"] = user.pk
        else:
            trainer_field.queryset = user_model.objects.trainers()

    def clean_prerequisites(self):
        prerequisites = self.cleaned_data.get("prerequisites")
        if prerequisites is not None and self.instance.pk and any(p.pk == self.instance.pk for p in prerequisites):
            raise forms.ValidationError("A course cannot be its own prerequisite.")
        return prerequisites


class LessonPageForm(WagtailAdminPageForm):
    """Runs the checks other apps register on a lesson's body (courses.registry), such as media_pipeline's:
    a trainer places only videos they may already use."""

    def clean(self):
        cleaned_data = super().clean()
        user = self.for_user
        body = cleaned_data.get("body")
        if user is None or body is None:
            return cleaned_data
        registry.check_lesson_body(user=user, body=body)
        return cleaned_data


class CatalogueFilterForm(forms.Form):
    """The catalogue's filters; invalid values are reported and otherwise ignored."""

    PRICE_CHOICES = [("", "Any price"), ("free", "Free"), ("paid", "Paid")]

    q = forms.CharField(label="Search courses", required=False, max_length=100)
    category = forms.ChoiceField(label="Category", required=False)
    level = forms.ChoiceField(label="Level", required=False)
    price = forms.ChoiceField(label="Price", required=False, choices=PRICE_CHOICES)

    def __init__(self, *args, categories=(), levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "All categories")] + [(c.slug, c.name) for c in categories]
        self.fields["level"].choices = [("", "All levels")] + list(levels)

    def filters(self) -> dict:
        """The valid filter values, with the invalid ones dropped."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}
