from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .models import LiveSession
from .viewsets import LiveSessionPermissionPolicy, LiveSessionViewSet

# Registered before the viewset: Wagtail would otherwise create its default, model-permission policy.
register_permission_policy(LiveSession, LiveSessionPermissionPolicy(LiveSession))


@hooks.register("register_admin_viewset")
def register_live_session_viewset():
    return LiveSessionViewSet()
