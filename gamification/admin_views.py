"""The views of the gamification admin: point rules, badges, and the point ledger with an admin's own award or
deduction, which goes through services.adjust_points like every other write to the ledger."""

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import formats
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import DeleteView, EditView, IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.images import get_image_model
from wagtail.images.models import SourceImageIOError

from . import services
from .admin_forms import AdjustPointsForm
from .models import Badge, BadgeAward, PointEntry

# The badge listing's thumbnail; one spec, so its renditions are read in one query for the whole page.
BADGE_THUMBNAIL = "fill-40x40"


def person(user) -> str:
    """An account as an admin recognises it: name and e-mail address."""
    if user is None:
        return "—"
    return f"{user.display_name} <{user.email}>" if user.email else user.display_name


def signed_points(entry: PointEntry) -> str:
    return f"{entry.points:+,d}" if entry.points else "0"


def points_phrase(points: int) -> str:
    amount = abs(points)
    return ngettext("%(count)s point", "%(count)s points", amount) % {
        "count": formats.number_format(amount, force_grouping=True)
    }


def holder_count(badge: Badge) -> int:
    """How many learners hold the badge now (a revoked award is kept, but no longer held)."""
    return BadgeAward.objects.filter(badge=badge, revoked_at__isnull=True).count()


# Point rules


class PointRuleEditView(EditView):
    def get_page_subtitle(self):
        return self.object.get_rule_display()

    def get_success_message(self):
        rule = self.object
        worth = points_phrase(rule.points) if rule.is_active else _("nothing (inactive)")
        return _("“%(rule)s” is now worth %(worth)s; points already awarded keep their value.") % {
            "rule": rule.get_rule_display(),
            "worth": worth,
        }


# Badges


class BadgeImageColumn(Column):
    """The badge's image as a small thumbnail (BadgeIndexView reads the thumbnails with the rows)."""

    cell_template_name = "gamification/admin/badge_image_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        image = context["raw_value"]
        try:
            context["thumbnail"] = image.get_rendition(BADGE_THUMBNAIL) if image else None
        except SourceImageIOError:
            context["thumbnail"] = None  # the original file is missing: a listing without that thumbnail
        return context


class BadgeIndexView(IndexView):
    def get_base_queryset(self):
        # Each row shows its image, its category and how many learners hold it: one query for the rows and
        # one for the thumbnails, whatever the number of badges.
        renditions = get_image_model().get_rendition_model().objects.filter(filter_spec=BADGE_THUMBNAIL)
        return (
            super()
            .get_base_queryset()
            .select_related("image", "category")
            .prefetch_related(Prefetch("image__renditions", queryset=renditions))
            .annotate(holders=Count("awards", filter=Q(awards__revoked_at__isnull=True)))
        )

    def order_queryset(self, queryset):
        # Several badges can share a sort order and holder count; the pk keeps pages stable.
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "pk")


class BadgeDeleteView(DeleteView):
    @cached_property
    def holders(self) -> int:
        return holder_count(self.object)

    @property
    def confirmation_message(self):
        if not self.holders:
            return _("Delete the badge “%(badge)s”? No learner holds it.") % {"badge": self.object}
        return ngettext(
            "%(count)s learner holds the badge “%(badge)s”. Deleting it takes it from them; their points stay.",
            "%(count)s learners hold the badge “%(badge)s”. Deleting it takes it from them; their points stay.",
            self.holders,
        ) % {"count": formats.number_format(self.holders, force_grouping=True), "badge": self.object}


# The point ledger


class PointLedgerIndexView(IndexView):
    def get_base_queryset(self):
        # The learner's e-mail address and the course title are on every row.
        return super().get_base_queryset().select_related("user", "course")

    def order_queryset(self, queryset):
        # A batch of awards can share an instant; the pk keeps pages stable and follows the ledger's order.
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "-pk")

    @cached_property
    def columns(self):
        # The first column links to the inspect page and carries the row's buttons; Wagtail builds it from a
        # field name ("user", shown as a username), which says less than the address admins search by.
        columns = super().columns
        columns[0].label = _("Learner")
        columns[0].accessor = "user.email"
        columns[0].sort_key = "user__email"
        return columns

    @cached_property
    def add_item_label(self):
        return _("Award or deduct points")


class PointEntryInspectView(InspectView):
    inspect_url_name = None
    labels = {
        "user": gettext_lazy("Learner"),
        "rule": gettext_lazy("Rule"),
        "source": gettext_lazy("Earned for"),
        "course": gettext_lazy("Course"),
        "occurred_at": gettext_lazy("Counts in the period of"),
        "created_at": gettext_lazy("Recorded"),
        "created_by": gettext_lazy("Recorded by"),
        "reverses": gettext_lazy("Takes back"),
        "reversed_by": gettext_lazy("Taken back by"),
    }

    def get_object(self, queryset=None):
        queryset = PointEntry.objects.select_related("user", "course", "created_by", "reverses", "reversed_by")
        return get_object_or_404(queryset, pk=self.pk)

    def get_page_subtitle(self):
        return _("%(points)s for %(email)s") % {"points": signed_points(self.object), "email": self.object.user.email}

    def get_field_label(self, field_name, field):
        return self.labels.get(field_name) or super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "—" if value is None or value == "" else value

    def get_user_display_value(self):
        return person(self.object.user)

    def get_created_by_display_value(self):
        # Automatic awards are written by the events that earned them; only adjustments have an author.
        return person(self.object.created_by) if self.object.created_by_id else _("Automatic")

    def get_points_display_value(self):
        return signed_points(self.object)

    def get_course_display_value(self):
        return self.object.course.title if self.object.course else "—"

    def entry_link(self, entry: PointEntry | None):
        if entry is None:
            return "—"
        url = reverse(self.inspect_url_name, args=[entry.pk])
        return format_html('<a href="{}">{} {}</a>', url, signed_points(entry), entry.get_rule_display())

    def get_reverses_display_value(self):
        return self.entry_link(self.object.reverses)

    def get_reversed_by_display_value(self):
        return self.entry_link(getattr(self.object, "reversed_by", None))


class AdjustPointsView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """An admin's award (positive) or deduction (negative): the ledger's "Add". The service writes the row;
    its refusal is shown on the form and nothing is written."""

    model = PointEntry  # whose permission policy decides who may
    permission_required = "add"
    form_class = AdjustPointsForm
    template_name = "gamification/admin/adjust_points.html"
    page_title = gettext_lazy("Award or deduct points")
    index_url_name = None

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": _("Point ledger")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["index_url"] = reverse(self.index_url_name)
        return context

    def form_valid(self, form):
        learner = form.cleaned_data["learner"]
        course = form.cleaned_data["course"]
        try:
            entry = services.adjust_points(
                user=learner,
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
                by=self.request.user,
                course_id=course.pk if course else None,
            )
        except services.GamificationError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form, status=error.status_code)
        who = f"{learner.display_name} ({learner.email})"
        message = _("Awarded %(points)s to %(who)s.") if entry.points > 0 else _("Deducted %(points)s from %(who)s.")
        messages.success(self.request, message % {"points": points_phrase(entry.points), "who": who})
        return redirect(self.index_url_name)

    def form_invalid(self, form, status=400):
        response = super().form_invalid(form)
        response.status_code = status
        return response
