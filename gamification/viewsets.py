"""The gamification admin: what each rule is worth, the badges, and the point ledger, in one menu for admins."""

import django_filters
from django import forms
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from accounts.permissions import RolePermissionPolicy
from courses.models import CoursePage
from lms_site.forms import IdModelChoiceFilter
from lms_site.viewsets import RolePolicyPermissions, id_routes

from .admin_forms import BadgeForm, PointRuleForm
from .admin_views import (
    AdjustPointsView,
    BadgeDeleteView,
    BadgeImageColumn,
    BadgeIndexView,
    PointEntryInspectView,
    PointLedgerIndexView,
    PointRuleEditView,
    signed_points,
)
from .models import Badge, BadgeRule, PointEntry, PointRule, Rule


class PointRulePermissionPolicy(RolePermissionPolicy):
    """Admins change what each automatic rule is worth; the rows themselves come from a migration, one per rule."""

    actions = frozenset({"view", "change"})


class BadgePermissionPolicy(RolePermissionPolicy):
    """Admins add, change and delete badges."""

    actions = frozenset({"view", "add", "change", "delete"})


class PointEntryPermissionPolicy(RolePermissionPolicy):
    """Admins read the ledger and add their own awards or deductions to it ("add"); nobody edits or deletes a
    row: the ledger is append-only, and a correction is a new row."""

    actions = frozenset({"view", "add"})


class RoleOnlyViewSet(RolePolicyPermissions, ModelViewSet):
    """A viewset of a model whose policy is role-based, offering only some of Wagtail's views."""

    # Views that do not exist for this model: get_urlpatterns leaves them out, and no other view links to them.
    missing_views: tuple[str, ...] = ()

    def get_common_view_kwargs(self, **kwargs):
        missing = {f"{name}_url_name": None for name in self.missing_views}
        return super().get_common_view_kwargs(**missing, **kwargs)


class PointRuleViewSet(RoleOnlyViewSet):
    model = PointRule
    url_prefix = "gamification/point-rules"
    url_namespace = "gamification_point_rules"
    icon = "sliders"
    menu_label = _("Point rules")
    add_to_reference_index = False  # nothing to index: a rule refers to nothing
    copy_view_enabled = False
    # One row per automatic rule, written by a migration: none is added or deleted by hand.
    missing_views = ("add", "delete", "usage")

    edit_view_class = PointRuleEditView
    index_template_name = "gamification/admin/point_rules_index.html"
    list_display = [
        "rule",
        Column("points", label=_("Points"), sort_key="points"),
        BooleanColumn("is_active", label=_("Active"), sort_key="is_active"),
    ]
    ordering = "rule"
    edit_handler = ObjectList(
        [FieldPanel("points"), FieldPanel("is_active", heading=_("Active"))], base_form_class=PointRuleForm
    )

    def get_urlpatterns(self):
        return id_routes(self, "index", "index_results", "edit", "history", "history_results")


class BadgeFilterSet(WagtailFilterSet):
    rule = django_filters.ChoiceFilter(label=_("Rule"), choices=BadgeRule.choices, empty_label=_("All"))
    is_active = django_filters.BooleanFilter(label=_("Active"), widget=forms.NullBooleanSelect)

    class Meta:
        model = Badge
        fields = ["rule", "is_active"]


class BadgeViewSet(RoleOnlyViewSet):
    model = Badge
    url_prefix = "gamification/badges"
    url_namespace = "gamification_badges"
    icon = "circle-check"
    menu_label = _("Badges")
    copy_view_enabled = False
    # The reference index knows which images and categories badges use; it does not know the learners who
    # hold a badge (the delete confirmation counts those), so a "usage" page would say "used 0 times".
    missing_views = ("usage",)

    index_view_class = BadgeIndexView
    delete_view_class = BadgeDeleteView
    list_display = [
        "name",
        BadgeImageColumn("image", label=_("Image")),
        Column("rule", label=_("Rule"), accessor="get_rule_display", sort_key="rule"),
        Column("threshold", label=_("Threshold"), sort_key="threshold"),
        Column("category", label=_("Category"), accessor="category.name"),
        BooleanColumn("is_active", label=_("Active"), sort_key="is_active"),
        Column("holders", label=_("Held by"), sort_key="holders"),
    ]
    filterset_class = BadgeFilterSet
    search_fields = ["name", "description"]
    search_backend_name = None  # plain ORM matching: badges are not in the search index
    ordering = ["sort_order", "name"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("description", widget=forms.Textarea(attrs={"rows": 2})),
            FieldPanel("image"),
            FieldPanel("rule"),
            FieldPanel("threshold"),
            FieldPanel("category"),
            FieldPanel("is_active", heading=_("Active")),
            FieldPanel("sort_order", help_text=_("Badges are shown to learners in this order, lowest first.")),
        ],
        base_form_class=BadgeForm,
    )

    def get_urlpatterns(self):
        return id_routes(self, "index", "index_results", "add", "edit", "delete", "history", "history_results")


class PointLedgerFilterSet(WagtailFilterSet):
    rule = django_filters.ChoiceFilter(label=_("Rule"), choices=Rule.choices, empty_label=_("All"))
    course = IdModelChoiceFilter(queryset=CoursePage.objects.originals().order_by("title"))
    created_at = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)

    class Meta:
        model = PointEntry
        fields = ["rule", "course", "created_at"]


def entry_source(entry: PointEntry) -> str:
    if entry.source:
        return entry.source
    return gettext("Takes back #%(id)s") % {"id": entry.reverses_id} if entry.reverses_id else ""


class PointEntryViewSet(RoleOnlyViewSet):
    model = PointEntry
    url_prefix = "gamification/ledger"
    url_namespace = "gamification_ledger"
    icon = "list-ol"
    menu_label = _("Point ledger")
    # Rows are written by every award; indexing each one's references would only add writes to awarding.
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    # Append-only: a row is never edited or deleted, so those views do not exist. "Add" is an admin's award
    # or deduction (AdjustPointsView), not Wagtail's model form.
    missing_views = ("edit", "delete", "history", "usage")

    index_view_class = PointLedgerIndexView
    inspect_view_class = PointEntryInspectView
    list_display = [
        "user",  # shown as the e-mail address by PointLedgerIndexView, which makes it the row's link and buttons
        Column("points", label=_("Points"), accessor=signed_points, sort_key="points"),
        Column("rule", label=_("Rule"), accessor="get_rule_display", sort_key="rule"),
        Column("source", label=_("Earned for"), accessor=entry_source),
        Column("course", label=_("Course"), accessor="course.title", sort_key="course__title"),
        Column("reason", label=_("Reason")),
        DateColumn("created_at", label=_("Date"), sort_key="created_at"),
    ]
    filterset_class = PointLedgerFilterSet
    search_fields = ["user__email", "user__username", "reason"]
    search_backend_name = None  # plain ORM matching: ledger rows are not in the search index
    list_per_page = 50
    ordering = "-created_at"
    inspect_view_fields = [
        "user",
        "points",
        "rule",
        "source",
        "course",
        "reason",
        "occurred_at",
        "created_at",
        "created_by",
        "reverses",
        "reversed_by",
    ]  # not the generation: bookkeeping for the unique award key

    @property
    def adjust_points_view(self):
        return self.construct_view(AdjustPointsView)

    def get_urlpatterns(self):
        return [
            *id_routes(self, "index", "index_results", "inspect"),
            # Named "add" so the listing's own "Add" button leads to it (labelled "Award or deduct points").
            path("new/", self.adjust_points_view, name="add"),
        ]

    def register_admin_url_finder(self):
        # The finder links to an edit view, and ledger rows have none.
        pass


class GamificationViewSetGroup(ViewSetGroup):
    menu_label = _("Gamification")
    menu_icon = "success"
    menu_order = 320  # after Certificates (300) and Orders (310)
    items = (PointRuleViewSet, BadgeViewSet, PointEntryViewSet)
