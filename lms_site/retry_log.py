"""A read-only admin log of rows that are sent somewhere and may be sent again by hand: webhook deliveries and xAPI
statements. One listing (newest first, a "send again" item in each row's menu), one inspect page (the same as a
header button) and one confirmation page whose POST sends the row now.

An app subclasses `RetryLogViewSet` and names its model, the views' labels and how to send one row again
(`RetryView.send_again`); the rows need a `retryable` property and the policy a "retry" action.
"""

from collections.abc import Callable
from typing import Any

from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from .viewsets import id_routes


class RetryLink:
    retry_url_name: str | None = None
    retry_label: Any = ""
    related: tuple[str, ...] = ()  # what the log shows of each row besides the row itself
    # Provided by the Wagtail admin view this is mixed into.
    user_has_permission: Callable[[str], bool]

    def retry_url(self, row: Any) -> str | None:
        if row.retryable and self.user_has_permission("retry"):
            return reverse(self.retry_url_name, args=[row.pk])
        return None


class RetryLogIndexView(RetryLink, IndexView):
    deferred: tuple[str, ...] = ()  # the large fields the listing does not show

    def get_base_queryset(self):
        return super().get_base_queryset().select_related(*self.related).defer(*self.deferred)

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        # Rows made in the same instant still come in one order, so a page never shows one twice.
        return queryset.order_by(*queryset.query.order_by, "-pk")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if url := self.retry_url(instance):
            buttons.append(MenuItem(self.retry_label, url=url, icon_name="rotate", priority=40))
        return buttons


class RetryLogInspectView(RetryLink, InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(self.model.objects.select_related(*self.related), pk=self.pk)

    @cached_property
    def header_buttons(self):
        url = self.retry_url(self.object)
        return [HeaderButton(self.retry_label, url=url, icon_name="rotate")] if url else []


class RetryView(PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, TemplateView):
    """Shows the row; a POST sends it again now. Subclasses say how (`send_again`) and when not (`refusal`)."""

    permission_required = "retry"
    index_url_name = None
    inspect_url_name = None
    related: tuple[str, ...] = ()
    context_object_name = "object"
    page_title: Any = ""
    # Raised by send_again with a message for the admin and a `status_code`.
    error_class: type[Exception] = Exception
    sent_message: Any = ""  # with %(status)s, the row's status after the attempt

    def get_page_title(self):
        return self.page_title

    def get_base_object_queryset(self):
        return self.model.objects.select_related(*self.related)

    def can_send(self, row: Any) -> bool:
        return bool(row.retryable) and self.refusal() is None

    def refusal(self) -> str | None:
        """Why nothing can be sent now, whatever the row (e.g. no receiver configured); None when it can."""
        return None

    def send_again(self, row: Any) -> Any:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {self.context_object_name: self.object},
            retryable=self.can_send(self.object),
            inspect_url=reverse(self.inspect_url_name, args=[self.object.pk]),
        )
        return context

    def post(self, request, *args, **kwargs):
        if (reason := self.refusal()) is not None:
            messages.error(request, reason)
            return self.render_to_response(self.get_context_data(), status=409)
        try:
            row = self.send_again(self.object)
        except self.error_class as error:
            messages.error(request, str(error))
            return self.render_to_response(self.get_context_data(), status=getattr(error, "status_code", 400))
        messages.success(request, self.sent_message % {"status": row.get_status_display().lower()})
        return redirect(self.inspect_url_name, row.pk)


class RetryLogViewSet(ModelViewSet):
    """The log's URLs (index, results, inspect, retry) and nothing to add, edit or delete."""

    icon = "list-ul"
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    search_backend_name = None
    ordering = "-created_at"
    retry_view_class: type[RetryView] = RetryView

    def get_common_view_kwargs(self, **kwargs):
        missing = dict.fromkeys(
            ["add_url_name", "edit_url_name", "delete_url_name", "history_url_name", "usage_url_name"]
        )
        return super().get_common_view_kwargs(**missing, retry_url_name=self.get_url_name("retry"), **kwargs)

    @property
    def retry_view(self):
        return self.construct_view(self.retry_view_class)

    def get_urlpatterns(self):
        return [
            *id_routes(self, "index", "index_results", "inspect"),
            path("retry/<id:pk>/", self.retry_view, name="retry"),
        ]

    def register_admin_url_finder(self):
        pass
