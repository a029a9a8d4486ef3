"""The views of the xAPI admin: the statement log and "Send again" for a failed statement."""

from collections.abc import Callable

from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from . import services
from .models import Statement


class RetryActionMixin:
    retry_url_name = None
    # Provided by the Wagtail admin view this is mixed into.
    user_has_permission: Callable[[str], bool]

    def retry_url(self, statement: Statement) -> str | None:
        if statement.retryable and self.user_has_permission("retry"):
            return reverse(self.retry_url_name, args=[statement.pk])
        return None


class StatementIndexView(RetryActionMixin, IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user").defer("body")

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "-pk")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if url := self.retry_url(instance):
            buttons.append(MenuItem(_("Send again"), url=url, icon_name="rotate", priority=40))
        return buttons


class StatementInspectView(RetryActionMixin, InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(Statement.objects.select_related("user"), pk=self.pk)

    @cached_property
    def header_buttons(self):
        url = self.retry_url(self.object)
        return [HeaderButton(_("Send again"), url=url, icon_name="rotate")] if url else []


class RetryView(PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, TemplateView):
    """Shows the statement; a POST sends it again now."""

    permission_required = "retry"
    template_name = "xapi/admin/retry.html"
    index_url_name = None
    inspect_url_name = None

    def get_page_title(self):
        return _("Send the statement again")

    def get_base_object_queryset(self):
        return Statement.objects.select_related("user")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            statement=self.object,
            retryable=self.object.retryable and services.is_on(),
            inspect_url=reverse(self.inspect_url_name, args=[self.object.pk]),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not services.is_on():
            messages.error(request, _("No LRS is configured (XAPI_LRS_ENDPOINT): nothing can be sent."))
            return self.render_to_response(self.get_context_data(), status=409)
        try:
            statement = services.retry_now(statement=self.object)
        except services.XapiError as error:
            messages.error(request, str(error))
            return self.render_to_response(self.get_context_data(), status=error.status_code)
        messages.success(
            request, _("Statement sent again: %(status)s.") % {"status": statement.get_status_display().lower()}
        )
        return redirect(self.inspect_url_name, statement.pk)
