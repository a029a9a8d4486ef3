"""The views of the webhooks admin: endpoints (the creator becomes the owner), the delivery log, and "Retry now"."""

from collections.abc import Callable

from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views.generic import CreateView, IndexView, InspectView
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from . import services
from .models import WebhookDelivery


class EndpointCreateView(CreateView):
    def save_instance(self):
        # Its owner is told when the endpoint is switched off after a day of failures.
        self.form.instance.owner = self.request.user
        return super().save_instance()

    def get_success_url(self):
        # The edit page shows the signing secret the receiving system needs.
        return reverse(self.edit_url_name, args=[self.object.pk])


class RetryActionMixin:
    retry_url_name = None
    # Provided by the Wagtail admin view this is mixed into.
    user_has_permission: Callable[[str], bool]

    def retry_url(self, delivery: WebhookDelivery) -> str | None:
        if delivery.retryable and self.user_has_permission("retry"):
            return reverse(self.retry_url_name, args=[delivery.pk])
        return None


class DeliveryIndexView(RetryActionMixin, IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("endpoint").defer("payload")

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "-pk")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if url := self.retry_url(instance):
            buttons.append(MenuItem(_("Retry now"), url=url, icon_name="rotate", priority=40))
        return buttons


class DeliveryInspectView(RetryActionMixin, InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(WebhookDelivery.objects.select_related("endpoint"), pk=self.pk)

    @cached_property
    def header_buttons(self):
        url = self.retry_url(self.object)
        return [HeaderButton(_("Retry now"), url=url, icon_name="rotate")] if url else []


class RetryView(PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, TemplateView):
    """Shows the delivery; a POST sends it again now."""

    permission_required = "retry"
    template_name = "webhooks/admin/retry.html"
    index_url_name = None
    inspect_url_name = None

    def get_page_title(self):
        return _("Retry delivery")

    def get_base_object_queryset(self):
        return WebhookDelivery.objects.select_related("endpoint")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            delivery=self.object,
            retryable=self.object.retryable and self.object.endpoint.receives,
            inspect_url=reverse(self.inspect_url_name, args=[self.object.pk]),
        )
        return context

    def post(self, request, *args, **kwargs):
        try:
            delivery = services.retry_now(delivery=self.object)
        except services.WebhookError as error:
            messages.error(request, str(error))
            return self.render_to_response(self.get_context_data(), status=error.status_code)
        messages.success(
            request, _("Delivery sent again: %(status)s.") % {"status": delivery.get_status_display().lower()}
        )
        return redirect(self.inspect_url_name, delivery.pk)
