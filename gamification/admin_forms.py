"""The gamification admin's forms: what a rule is worth, a badge, and an admin's own award or deduction."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from accounts.models import User
from courses.models import CoursePage
from lms_site.forms import IdModelChoiceField

# Far above any rule's default (a completed course is worth 100): a bigger number is a typo, not a decision.
MAX_RULE_POINTS = 10_000


def _points_range() -> str:
    return gettext("Enter between 0 and %(limit)s points.") % {
        "limit": formats.number_format(MAX_RULE_POINTS, force_grouping=True)
    }


# Built when shown, in the language of the request, not once at import.
POINTS_RANGE = lazy(_points_range, str)()


class PointRuleForm(WagtailAdminModelForm):
    points = forms.IntegerField(
        min_value=0,
        max_value=MAX_RULE_POINTS,
        error_messages={
            "invalid": _("Enter a whole number of points."),
            "min_value": POINTS_RANGE,
            "max_value": POINTS_RANGE,
        },
        help_text=_("Applies to awards from now on; points already awarded keep their value."),
    )


class BadgeForm(WagtailAdminModelForm):
    # The model's check constraint would say the same in a message naming the constraint.
    threshold = forms.IntegerField(
        initial=1,
        min_value=1,
        error_messages={"min_value": _("The threshold is at least 1."), "invalid": _("Enter a whole number.")},
        help_text=_("The N of the rule."),
    )


class AdjustPointsForm(forms.Form):
    """An admin's award or deduction. The rules on points and reason are the service's; this form finds the
    learner and passes everything on."""

    learner = forms.CharField(
        max_length=254,
        help_text=_("Their e-mail address or username."),
        error_messages={"required": _("Enter the learner's e-mail address or username.")},
    )
    points = forms.IntegerField(
        help_text=_("A positive number awards points; a negative one deducts them."),
        error_messages={"required": _("Enter a number of points."), "invalid": _("Enter a whole number of points.")},
    )
    reason = forms.CharField(
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The learner sees it, and it stays in the ledger."),
        error_messages={"required": _("Give a reason: the learner sees it and it stays in the ledger.")},
    )
    course = IdModelChoiceField(
        queryset=CoursePage.objects.originals().order_by("title"),
        required=False,
        empty_label=_("No course"),
        help_text=_("Points for a course also count on that course's leaderboard."),
    )

    def clean_learner(self):
        text = self.cleaned_data["learner"].strip()
        accounts = User.objects.filter(is_active=True)
        # An e-mail address first: it is what an admin is usually given, and one account's username could
        # look like another's address.
        learner = accounts.filter(email__iexact=text).first() or accounts.filter(username__iexact=text).first()
        if learner is None:
            raise ValidationError(
                gettext("No active account has the e-mail address or username “%(text)s”.") % {"text": text},
                code="unknown",
            )
        return learner
