"""The certificates admin: who may use it, how its listing filters, and which views it has."""

import django_filters
from django import forms
from django.db.models import Q
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import DateColumn, StatusTagColumn
from wagtail.admin.viewsets.model import ModelViewSet

from accounts.permissions import RolePermissionPolicy
from courses.models import CoursePage
from lms_site.viewsets import RolePolicyPermissions, id_routes

from .admin_views import CertificateIndexView, CertificateInspectView, ReissueView, RevokeView
from .models import Certificate, CertificateStatus


class CertificatePermissionPolicy(RolePermissionPolicy):
    """Admins view, revoke and reissue certificates; nobody adds, edits or deletes one by hand."""

    actions = frozenset({"view", "revoke", "reissue"})


# The status is derived from three columns and the clock (Certificate.status); these are the same rules in SQL.
def status_filters() -> dict[str, Q]:
    issued = Q(revoked_at__isnull=True) & ~Q(pdf_sha256="")
    expired = Q(expires_at__lte=timezone.now())
    return {
        CertificateStatus.PENDING: Q(revoked_at__isnull=True, pdf_sha256=""),
        CertificateStatus.VALID: issued & ~expired,
        CertificateStatus.EXPIRED: issued & expired,
        CertificateStatus.REVOKED: Q(revoked_at__isnull=False),
    }


class CertificateFilterSet(WagtailFilterSet):
    course = django_filters.ModelChoiceFilter(
        label=_("Course"), queryset=CoursePage.objects.originals().order_by("title")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=CertificateStatus.choices,
        method="filter_status",
        widget=forms.RadioSelect,
        empty_label=_("All"),
    )
    issued_at = django_filters.DateFromToRangeFilter(label=_("Issued"), widget=DateRangePickerWidget)

    class Meta:
        model = Certificate
        fields = ["course", "status", "issued_at"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(status_filters()[value])


class CertificateViewSet(RolePolicyPermissions, ModelViewSet):
    model = Certificate
    url_prefix = "certificates"
    url_namespace = "certificates_admin"  # "certificates" belongs to the public verification and download pages
    icon = "doc-full"
    menu_label = _("Certificates")
    menu_order = 300
    add_to_admin_menu = True
    # Certificates are written by tasks; indexing each one's references would only add writes to issuing.
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True

    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
    inspect_template_name = "certificates/admin/inspect.html"
    list_display = [
        "serial",
        "learner_name",
        "course_title",
        StatusTagColumn("status", accessor="get_status_display", primary=lambda c: c.status == CertificateStatus.VALID),
        DateColumn("issued_at", label=_("Issued"), sort_key="issued_at"),
    ]
    filterset_class = CertificateFilterSet
    search_fields = ["serial", "learner_name", "user__email"]
    ordering = "-issued_at"
    inspect_view_fields = [
        "serial",
        "status",
        "issue_number",
        "learner_name",
        "user",
        "course_title",
        "course",
        "trainer_name",
        "issuer_name",
        "completed_on",
        "issued_at",
        "verification_url",
        "pdf_sha256",
        "revoked_at",
        "revoked_reason",
        "revoked_by",
    ]  # not the signature: it is only ever compared, never shown

    def get_common_view_kwargs(self, **kwargs):
        # Certificates are never created, edited or deleted by hand: those views do not exist, and no view
        # may link to them.
        missing = dict.fromkeys(
            ["add_url_name", "edit_url_name", "delete_url_name", "history_url_name", "usage_url_name"]
        )
        return super().get_common_view_kwargs(
            **missing,
            revoke_url_name=self.get_url_name("revoke"),
            reissue_url_name=self.get_url_name("reissue"),
            **kwargs,
        )

    @property
    def revoke_view(self):
        return self.construct_view(RevokeView)

    @property
    def reissue_view(self):
        return self.construct_view(ReissueView)

    def get_urlpatterns(self):
        return [
            *id_routes(self, "index", "index_results", "inspect"),
            path("revoke/<id:pk>/", self.revoke_view, name="revoke"),
            path("reissue/<id:pk>/", self.reissue_view, name="reissue"),
        ]

    def register_admin_url_finder(self):
        # The finder links to an edit view, and certificates have none.
        pass
