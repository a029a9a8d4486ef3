"""The views of the webhooks admin: endpoints (the creator becomes the owner), the delivery log, and "Retry now"
(lms_site.retry_log)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.generic import CreateView

from lms_site import retry_log

from . import services


class EndpointCreateView(CreateView):
    def save_instance(self):
        # Its owner is told when the endpoint is switched off after a day of failures.
        self.form.instance.owner = self.request.user
        return super().save_instance()

    def get_success_url(self):
        # The edit page shows the signing secret the receiving system needs.
        return reverse(self.edit_url_name, args=[self.object.pk])


class DeliveryIndexView(retry_log.RetryLogIndexView):
    retry_label = _("Retry now")
    related = ("endpoint",)
    deferred = ("payload",)


class DeliveryInspectView(retry_log.RetryLogInspectView):
    retry_label = _("Retry now")
    related = ("endpoint",)


class RetryView(retry_log.RetryView):
    template_name = "webhooks/admin/retry.html"
    context_object_name = "delivery"
    related = ("endpoint",)
    page_title = _("Retry delivery")
    error_class = services.WebhookError
    sent_message = _("Delivery sent again: %(status)s.")

    def can_send(self, row):
        return super().can_send(row) and row.endpoint.receives

    def send_again(self, row):
        return services.retry_now(delivery=row)
