from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .models import Certificate
from .viewsets import CertificatePermissionPolicy, CertificateViewSet

# Registered before the viewset: Wagtail would otherwise create its default, model-permission policy.
register_permission_policy(Certificate, CertificatePermissionPolicy(Certificate))


@hooks.register("register_admin_viewset")
def register_certificate_viewset():
    return CertificateViewSet()
