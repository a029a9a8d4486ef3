from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .models import Badge, PointEntry, PointRule
from .viewsets import (
    BadgePermissionPolicy,
    GamificationViewSetGroup,
    PointEntryPermissionPolicy,
    PointRulePermissionPolicy,
)

# Registered before the viewsets: Wagtail would otherwise create its default, model-permission policies.
register_permission_policy(PointRule, PointRulePermissionPolicy(PointRule))
register_permission_policy(Badge, BadgePermissionPolicy(Badge))
register_permission_policy(PointEntry, PointEntryPermissionPolicy(PointEntry))


@hooks.register("register_admin_viewset")
def register_gamification_viewsets():
    return GamificationViewSetGroup()
