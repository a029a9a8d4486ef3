"""The views of the xAPI admin: the statement log and "Send again" for a failed statement (lms_site.retry_log)."""

from django.utils.translation import gettext_lazy as _

from lms_site import retry_log

from . import services


class StatementIndexView(retry_log.RetryLogIndexView):
    retry_label = _("Send again")
    related = ("user",)
    deferred = ("body",)


class StatementInspectView(retry_log.RetryLogInspectView):
    retry_label = _("Send again")
    related = ("user",)


class RetryView(retry_log.RetryView):
    template_name = "xapi/admin/retry.html"
    context_object_name = "statement"
    related = ("user",)
    page_title = _("Send the statement again")
    error_class = services.XapiError
    sent_message = _("Statement sent again: %(status)s.")

    def refusal(self):
        if not services.is_on():
            return str(_("No LRS is configured (XAPI_LRS_ENDPOINT): nothing can be sent."))
        return None

    def send_again(self, row):
        return services.retry_now(statement=row)
