from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .models import LtiPlatform
from .viewsets import LtiPlatformViewSet, PlatformPermissionPolicy

# Registered before the viewset: Wagtail would otherwise create its default, model-permission policy.
register_permission_policy(LtiPlatform, PlatformPermissionPolicy(LtiPlatform))


@hooks.register("register_admin_viewset")
def register_lti_platform_viewset():
    return LtiPlatformViewSet()
