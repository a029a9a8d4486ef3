from collections import Counter
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils.translation import gettext_lazy as _
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
            trainer_field.help_text = _("You are the trainer of the courses you create.")
            if not self.instance.trainer_id:
                self.initial["trainer"] = user.pk
        else:
            # In the order of the labels: by name, or by username for someone without one.
            sort_name = Lower(Coalesce(NullIf("first_name", Value("")), "username"))
            trainer_field.queryset = user_model.objects.trainers().order_by(sort_name, Lower("last_name"), "pk")
        trainer_field.label_from_instance = trainer_labels(trainer_field.queryset)

        # A course cannot require itself, so it is not offered.
        prerequisites = self.fields["prerequisites"]
        prerequisites.queryset = prerequisites.queryset.exclude(pk=self.instance.pk).order_by("title")


def trainer_labels(trainers) -> Callable[[Any], str]:
    """How each trainer reads in the drop-down: their full name, with the username in brackets where two
    trainers share a name (the username alone for someone without one)."""
    names = Counter(trainer.display_name.casefold() for trainer in trainers)

    def label(trainer) -> str:
        full_name = trainer.get_full_name()
        if full_name and names[full_name.casefold()] > 1:
            return f"{full_name} ({trainer.username})"
        return str(trainer.display_name)

    return label


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

    PRICE_CHOICES = [("", _("Any price")), ("free", _("Free")), ("paid", _("Paid"))]

    q = forms.CharField(label=_("Search courses"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("Category"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    price = forms.ChoiceField(label=_("Price"), required=False, choices=PRICE_CHOICES)

    def __init__(self, *args, categories=(), levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories"))] + [(c.slug, c.name) for c in categories]
        self.fields["level"].choices = [("", _("All levels"))] + list(levels)

    def filters(self) -> dict:
        """The valid filter values, with the invalid ones dropped."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}
