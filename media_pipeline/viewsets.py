"""The media library in Wagtail's admin: who may use it, how its listing reads, and which views it has.

VideoAsset is a snippet so that lessons place videos with SnippetChooserBlock and Wagtail's reference index
knows which pages use which video (deletion relies on that).
"""

import django_filters
from django import forms
from django.template.defaultfilters import filesizeformat
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts.models import Role
from accounts.permissions import RolePermissionPolicy
from lms_site.viewsets import RolePolicyPermissions

from . import selectors
from .admin_views import (
    RetryUploadView,
    VideoAssetChooseResultsView,
    VideoAssetChooseView,
    VideoAssetChosenMultipleView,
    VideoAssetChosenView,
    VideoAssetCreateView,
    VideoAssetDeleteView,
    VideoAssetEditView,
    VideoAssetHistoryView,
    VideoAssetIndexView,
    VideoAssetUsageView,
)
from .forms import CAPTIONS_ACCEPT, VIDEO_ACCEPT, PrivateFileInput, VideoAssetForm
from .models import AssetStatus, VideoAsset


class VideoAssetPermissionPolicy(RolePermissionPolicy):
    """Admins and trainers use the media library; learners do not.

    Per video, a trainer may act only on the ones they uploaded or that are used in courses they teach
    (selectors.manageable_assets); admins on all. Every view that takes a video's id asks
    user_has_permission_for_instance, listings and choosers read instances_user_has_permission_for.
    """

    actions = frozenset({"add", "change", "delete", "view", "choose"})
    roles = (Role.ADMIN, Role.TRAINER)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and selectors.may_manage_asset(user=user, asset=instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(self.user_has_permission_for_instance(user, action, instance) for action in actions)

    def instances_user_has_permission_for(self, user, action):
        if not self.user_has_permission(user, action):
            return VideoAsset.objects.none()
        return selectors.manageable_assets(user=user)

    def instances_user_has_any_permission_for(self, user, actions):
        if not any(self.user_has_permission(user, action) for action in actions):
            return VideoAsset.objects.none()
        return selectors.manageable_assets(user=user)


def duration_text(asset: VideoAsset) -> str:
    if not asset.duration_seconds:
        return "—"
    hours, rest = divmod(asset.duration_seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


def uploader_name(asset: VideoAsset) -> str:
    return asset.uploaded_by.display_name if asset.uploaded_by else "—"


class UploadStatusColumn(StatusTagColumn):
    """The status tag, and under a failed upload the reason, so the listing says what went wrong."""

    cell_template_name = "media_pipeline/admin/status_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["failure_reason"] = instance.failure_reason if instance.status == AssetStatus.FAILED else ""
        return context


class VideoAssetFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=AssetStatus.choices, widget=forms.RadioSelect, empty_label=_("All")
    )

    class Meta:
        model = VideoAsset
        fields = ["status"]


class VideoAssetChooserViewSet(SnippetChooserViewSet):
    """The chooser lessons use to place a video: it offers only the videos the user may change."""

    choose_view_class = VideoAssetChooseView
    choose_results_view_class = VideoAssetChooseResultsView
    chosen_view_class = VideoAssetChosenView
    chosen_multiple_view_class = VideoAssetChosenMultipleView


class VideoAssetViewSet(RolePolicyPermissions, SnippetViewSet):
    model = VideoAsset
    icon = "media"
    menu_label = _("Videos")
    menu_name = "videos"
    menu_order = 250
    add_to_admin_menu = True
    # A copy would share the original's file, and deleting either would remove it from under the other.
    copy_view_enabled = False

    index_view_class = VideoAssetIndexView
    add_view_class = VideoAssetCreateView
    edit_view_class = VideoAssetEditView
    delete_view_class = VideoAssetDeleteView
    usage_view_class = VideoAssetUsageView
    history_view_class = VideoAssetHistoryView
    edit_template_name = "media_pipeline/admin/edit.html"
    delete_template_name = "media_pipeline/admin/delete.html"

    list_display = [
        "title",
        UploadStatusColumn(
            "status", accessor="get_status_display", primary=lambda asset: asset.is_ready, sort_key="status"
        ),
        Column("size", label=_("Size"), accessor=lambda asset: filesizeformat(asset.size_bytes), sort_key="size_bytes"),
        Column("duration", label=_("Duration"), accessor=duration_text, sort_key="duration_seconds"),
        Column("uploaded_by", label=_("Uploaded by"), accessor=uploader_name),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
    ]
    filterset_class = VideoAssetFilterSet
    search_fields = ["title"]
    # Plain ORM matching on titles: the same results on every database, straight after a save (MariaDB's
    # full-text index, behind Wagtail's database search backend, sees only committed rows).
    search_backend_name = None
    ordering = "-created_at"

    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel(
                "file",
                widget=PrivateFileInput(attrs={"accept": VIDEO_ACCEPT}),
                help_text=_("MP4, WebM or QuickTime (MOV). It is uploaded to the CDN after saving."),
            ),
            FieldPanel("poster"),
            FieldPanel("duration_seconds"),
            FieldPanel("captions", widget=PrivateFileInput(attrs={"accept": CAPTIONS_ACCEPT})),
            FieldPanel("captions_language"),
        ],
        base_form_class=VideoAssetForm,
    )

    chooser_viewset_class = VideoAssetChooserViewSet

    def get_queryset(self, request):
        # A trainer lists the videos they may change: theirs and those of the courses they teach.
        return self.permission_policy.instances_user_has_permission_for(request.user, "change").select_related(
            "uploaded_by"
        )

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(retry_url_name=self.get_url_name("retry_upload"), **kwargs)

    @property
    def retry_upload_view(self):
        return self.construct_view(RetryUploadView)

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), path("retry/<id:pk>/", self.retry_upload_view, name="retry_upload")]
