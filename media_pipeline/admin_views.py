"""The views of the media library in Wagtail's admin: uploading, retrying a failed upload and deleting
go through media_pipeline.services, so the admin keeps the same rules as every other caller."""

import copy
from collections.abc import Callable

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_list_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.log_actions import log
from wagtail.permissions import policy_registry
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.views import chooser as snippet_choosers
from wagtail.snippets.views import snippets as snippet_views

from lms_site.inputs import read_id

from . import selectors, services
from .models import AssetStatus, VideoAsset

# The longest search worth running: no title is longer, and SQLite refuses LIKE patterns past 50,000 bytes.
SEARCH_MAX_LENGTH = VideoAsset._meta.get_field("title").max_length


class ScopedToManageableAsset:
    """For a view that takes one video's id: refuses (Wagtail's permission-denied answer) a video the user may
    not act on, whatever their role lets them do with videos in general. See VideoAssetPermissionPolicy."""

    instance_action = "change"

    def get_object(self, *args, **kwargs):
        asset = super().get_object(*args, **kwargs)
        if getattr(self, "_checked_asset_pk", None) != asset.pk:
            if not self.permission_policy.user_has_permission_for_instance(
                self.request.user, self.instance_action, asset
            ):
                raise PermissionDenied
            self._checked_asset_pk = asset.pk
        return asset


class RetryUploadMixin:
    """The "Retry upload" action, offered on a failed asset to a user who may change assets."""

    retry_url_name = None
    # Provided by the Wagtail admin view this is mixed into.
    user_has_permission: Callable[[str], bool]

    def get_retry_url(self, asset) -> str | None:
        if asset.status == AssetStatus.FAILED and self.user_has_permission("change"):
            return reverse(self.retry_url_name, args=[asset.pk])
        return None

    @staticmethod
    def posting_attrs(url: str) -> dict:
        # Wagtail's w-action controller turns the link into a POST with the CSRF token and a `next` back
        # to this page; without JavaScript the link opens the confirmation page, which posts the same form.
        return {"data-controller": "w-action", "data-action": "w-action#post", "data-w-action-url-value": url}


class VideoAssetIndexView(RetryUploadMixin, snippet_views.IndexView):
    def search_queryset(self, queryset):
        if len(self.search_query) > SEARCH_MAX_LENGTH:
            return queryset.none()  # longer than any title: nothing matches, and nothing is sent to the database
        return super().search_queryset(queryset)

    def order_queryset(self, queryset):
        # Uploads in one batch can share a second, and many share a status; the pk keeps pages stable.
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "-pk")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if retry_url := self.get_retry_url(instance):
            buttons.append(
                Button(
                    gettext("Retry upload"),
                    url=retry_url,
                    icon_name="rotate",
                    attrs=self.posting_attrs(retry_url),
                    priority=5,
                )
            )
        return buttons


class VideoAssetCreateView(snippet_views.CreateView):
    success_message = gettext_lazy(
        "Video “%(object)s” was saved; it is being uploaded and can be placed in lessons meanwhile."
    )

    def save_instance(self):
        asset = super().save_instance()
        # Inside the view's transaction: the upload task is queued to run once the row and file are committed.
        return services.register_upload(asset=asset, by=self.request.user)


class VideoAssetEditView(ScopedToManageableAsset, RetryUploadMixin, snippet_views.EditView):
    def save_instance(self):
        file_replaced = "file" in self.form.changed_data
        before = VideoAsset.objects.get(pk=self.object.pk) if file_replaced else None
        asset = super().save_instance()
        if file_replaced:
            asset = services.register_upload(asset=asset, by=self.request.user, replacing=before)
        return asset

    def get_success_message(self):
        if "file" in self.form.changed_data:
            return gettext("Video “%(object)s” was saved; the new file is being uploaded.") % {"object": self.object}
        return super().get_success_message()

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if retry_url := self.get_retry_url(self.object):
            buttons.append(
                HeaderButton(
                    gettext("Retry upload"), url=retry_url, icon_name="rotate", attrs=self.posting_attrs(retry_url)
                )
            )
        return buttons


class VideoAssetDeleteView(ScopedToManageableAsset, snippet_views.DeleteView):
    """Deletes through services.delete_video_asset: never while a page uses the asset, never half-way."""

    instance_action = "delete"

    def get_usage_url(self):
        # The pages using the asset are listed on this page itself (see get_context_data).
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "usages" not in context:
            context["usages"] = selectors.asset_usage(asset=self.object)
        return context

    def form_valid(self, form):
        success_url = self.get_success_url()
        # The service deletes the row; the log entry needs the object as it was.
        deleted = copy.copy(self.object)
        try:
            services.delete_video_asset(asset=self.object)
        except services.AssetInUse as error:
            return self.refused(error, usages=error.usages)
        except services.MediaError as error:
            return self.refused(error)
        log(instance=deleted, action="wagtail.delete", user=self.request.user, deleted=True)
        messages.success(self.request, gettext("Video “%(object)s” was deleted.") % {"object": deleted})
        hook_response = self.run_after_hook()
        if hook_response is not None:
            return hook_response
        return redirect(success_url)

    def refused(self, error, **context):
        return self.render_to_response(
            self.get_context_data(error_message=str(error), **context), status=error.status_code
        )


class VideoAssetUsageView(ScopedToManageableAsset, snippet_views.UsageView):
    pass


class VideoAssetHistoryView(ScopedToManageableAsset, snippet_views.HistoryView):
    pass


class RetryUploadView(
    ScopedToManageableAsset, PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, TemplateView
):
    """GET asks for confirmation (the page for browsers without JavaScript); POST queues the upload again."""

    permission_required = "change"
    template_name = "media_pipeline/admin/retry_upload.html"
    page_title = gettext_lazy("Retry upload")
    model = VideoAsset
    index_url_name = None
    edit_url_name = None
    header_icon = "media"

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": capfirst(VideoAsset._meta.verbose_name_plural)},
            {"url": reverse(self.edit_url_name, args=[self.object.pk]), "label": str(self.object)},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["asset"] = self.object
        context["retryable"] = self.object.status == AssetStatus.FAILED
        context["next"] = get_valid_next_url_from_request(self.request)
        context["cancel_url"] = context["next"] or reverse(self.index_url_name)
        return context

    def post(self, request, *args, **kwargs):
        try:
            asset = services.retry_upload(asset=self.object)
        except services.MediaError as error:
            context = self.get_context_data(error_message=str(error))
            return TemplateResponse(request, self.template_name, context, status=error.status_code)
        messages.success(request, gettext("The upload of “%(object)s” was queued again.") % {"object": asset})
        return redirect(get_valid_next_url_from_request(request) or reverse(self.index_url_name))


class VideoAssetDeleteBulkAction(DeleteBulkAction):
    """Bulk deletion of videos, one services.delete_video_asset call each: an asset in use or one the CDN
    would not delete stays, with the reason shown, and the others are deleted. Videos the user may not delete
    are listed as such by Wagtail (check_perm asks the policy per video) and left alone."""

    models = [VideoAsset]

    @classmethod
    def get_queryset(cls, model, object_ids):
        # The ids come from the query string: anything that is not an id is ignored rather than sent to the database.
        return get_list_or_404(model, pk__in=[pk for raw in object_ids if (pk := read_id(raw)) is not None])

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        view = kwargs["self"]
        deleted = 0
        for asset in objects:
            snapshot = copy.copy(asset)
            try:
                services.delete_video_asset(asset=asset)
            except services.MediaError as error:
                messages.error(view.request, str(error))
                continue
            log(instance=snapshot, action="wagtail.delete", user=user, deleted=True)
            deleted += 1
        return deleted, 0

    def get_execution_context(self):
        return {**super().get_execution_context(), "user": self.request.user}

    def get_success_message(self, num_parent_objects, num_child_objects):
        if not num_parent_objects:
            return None
        return ngettext("%(count)d video was deleted.", "%(count)d videos were deleted.", num_parent_objects) % {
            "count": num_parent_objects
        }


# The chooser lessons use to place a video


class VideoChooserFilterForm(BaseFilterForm):
    """Searches titles with the database's plain matching, the same on SQLite and MariaDB: the default search
    backend's full-text syntax would fail on a stray quote."""

    q = forms.CharField(
        label=gettext_lazy("Search term"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Search")}),
    )

    def filter(self, objects):
        objects = super().filter(objects)
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            self.is_searching, self.search_query = True, query
            if len(query) > SEARCH_MAX_LENGTH:
                return objects.none()
            objects = objects.filter(title__icontains=query)
        return objects


class ManageableAssetsMixin:
    """A trainer chooses among the videos they may change (theirs and their courses'), so placing a video in a
    lesson never hands them another trainer's video."""

    def manageable(self):
        policy = policy_registry.get_by_type(VideoAsset)
        return policy.instances_user_has_permission_for(self.request.user, "choose")


class VideoAssetChooseView(ManageableAssetsMixin, snippet_choosers.ChooseView):
    filter_form_class = VideoChooserFilterForm

    def get_object_list(self):
        return self.manageable()


class VideoAssetChooseResultsView(ManageableAssetsMixin, snippet_choosers.ChooseResultsView):
    filter_form_class = VideoChooserFilterForm

    def get_object_list(self):
        return self.manageable()


class VideoAssetChosenView(ManageableAssetsMixin, snippet_choosers.SnippetChosenView):
    def get_object(self, pk):
        return self.manageable().get(pk=read_id(pk) or 0)  # DoesNotExist, and so a 404, for a non-id


class VideoAssetChosenMultipleView(ManageableAssetsMixin, snippet_choosers.SnippetChosenMultipleView):
    def get_objects(self, pks):
        return self.manageable().filter(pk__in=[pk for raw in pks if (pk := read_id(raw)) is not None])
