"""The views of the certificates admin: the listing, the inspect page, and revoking or reissuing with a reason."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from . import services
from .admin_forms import ReasonForm
from .models import Certificate

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise


class CertificateActionsMixin:
    """The Revoke and Reissue links, for the views that offer them."""

    revoke_url_name = None
    reissue_url_name = None
    # Provided by the Wagtail admin view this is mixed into.
    user_has_permission: Callable[[str], bool]

    def certificate_actions(self, certificate) -> list[tuple[str, str, str]]:
        """(label, url, icon) of each action this user may take on this certificate."""
        actions = []
        if not certificate.revoked_at and self.user_has_permission("revoke"):
            actions.append((_("Revoke"), reverse(self.revoke_url_name, args=[certificate.pk]), "circle-xmark"))
        if self.user_has_permission("reissue"):
            actions.append((_("Reissue"), reverse(self.reissue_url_name, args=[certificate.pk]), "rotate"))
        return actions


class CertificateIndexView(CertificateActionsMixin, IndexView):
    def order_queryset(self, queryset):
        # issued_at has whole seconds, so a batch of certificates shares one; the pk keeps pages stable.
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "-pk")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        for priority, (label, url, icon) in enumerate(self.certificate_actions(instance), start=40):
            buttons.append(MenuItem(label, url=url, icon_name=icon, priority=priority))
        return buttons


class CertificateInspectView(CertificateActionsMixin, InspectView):
    labels = {
        "user": gettext_lazy("Learner account"),
        "verification_url": gettext_lazy("Printed verification URL"),
        "pdf_sha256": gettext_lazy("PDF SHA-256"),
    }

    def get_object(self, queryset=None):
        return get_object_or_404(Certificate.objects.select_related("user", "course", "revoked_by"), pk=self.pk)

    def get_field_label(self, field_name, field):
        return self.labels.get(field_name) or super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "—" if value is None or value == "" else value  # not "None" for a certificate never revoked

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(label, url=url, icon_name=icon, priority=priority)
            for priority, (label, url, icon) in enumerate(self.certificate_actions(self.object))
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["verify_url"] = reverse("certificates:verify", args=[self.object.serial])
        if self.object.pdf_sha256:  # a pending certificate has no file to download yet
            token = services.download_token(certificate=self.object, user=self.request.user)
            context["download_url"] = reverse("certificates:download", args=[token])
        return context


class CertificateActionView(
    CertificateActionsMixin, PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, FormView
):
    """Asks for a reason, then calls a service; the service's refusal is shown on the form and nothing is written."""

    form_class = ReasonForm
    template_name = "certificates/admin/certificate_action.html"
    index_url_name = None
    inspect_url_name = None
    description: "str | StrPromise" = ""
    submit_label: "str | StrPromise" = ""

    def get_page_subtitle(self):
        return self.object.serial

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": _("Certificates")},
            {"url": reverse(self.inspect_url_name, args=[self.object.pk]), "label": self.object.serial},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["inspect_url"] = reverse(self.inspect_url_name, args=[self.object.pk])
        return context

    def perform(self, reason: str) -> tuple[Certificate, str]:
        """Calls the service; returns the certificate to show next and the success message."""
        raise NotImplementedError

    def form_valid(self, form):
        try:
            certificate, message = self.perform(form.cleaned_data["reason"])
        except services.CertificateError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form, status=error.status_code)
        messages.success(self.request, message)
        return redirect(self.inspect_url_name, certificate.pk)

    def form_invalid(self, form, status=400):
        response = super().form_invalid(form)
        response.status_code = status
        return response


class RevokeView(CertificateActionView):
    permission_required = "revoke"
    page_title = gettext_lazy("Revoke")
    submit_label = gettext_lazy("Revoke certificate")
    description = gettext_lazy(
        "The reason is shown to anyone who verifies the certificate, and the learner can no longer download it."
    )

    def perform(self, reason):
        certificate = services.revoke_certificate(certificate=self.object, reason=reason, by=self.request.user)
        return certificate, _("Certificate %(serial)s was revoked.") % {"serial": certificate.serial}


class ReissueView(CertificateActionView):
    permission_required = "reissue"
    page_title = gettext_lazy("Reissue")
    submit_label = gettext_lazy("Reissue certificate")
    description = gettext_lazy(
        "A new certificate with a new serial is issued with the learner's and course's current names, "
        "and this one is revoked. The reason is recorded on this certificate."
    )

    def perform(self, reason):
        replacement = services.reissue_certificate(certificate=self.object, reason=reason, by=self.request.user)
        return (
            replacement,
            _("Certificate %(old)s was replaced by %(new)s; its PDF is being built.")
            % {"old": self.object.serial, "new": replacement.serial},
        )
