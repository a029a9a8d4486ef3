from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminPageForm


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
    """A trainer places in a lesson only videos they may already use.

    Placing a video in a course's published lesson gives that course's trainer the right to change it
    (media_pipeline.selectors.manageable_assets). The chooser offers a trainer only their own videos, but a
    crafted form could name any id: without this check, publishing it would take over another trainer's video.
    """

    def clean(self):
        cleaned_data = super().clean()
        user = self.for_user
        body = cleaned_data.get("body")
        if user is None or body is None:
            return cleaned_data
        # Lazy, like the video block's own rendering: the media library sits beside the page tree.
        from media_pipeline.selectors import may_manage_asset

        for block in body:
            asset = block.value.get("asset") if block.block_type == "video_asset" else None
            if asset is not None and not may_manage_asset(user=user, asset=asset):
                raise forms.ValidationError(
                    _("You can place only videos you uploaded or that your courses already use: “%(title)s”.")
                    % {"title": asset.title}
                )
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
