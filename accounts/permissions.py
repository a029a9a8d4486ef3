"""Admin permissions decided by a user's role rather than Django's per-model permission boxes.

Trainers are staff, so a box ticked on their group by mistake would otherwise open certificates, orders or
anything else to them; with these policies the role alone decides, and the group editor shows no boxes.
"""

from wagtail.permission_policies import BasePermissionPolicy

from .models import Role, User


class RolePermissionPolicy(BasePermissionPolicy):
    """Grants `actions` to active, unbanned users whose role is in `roles`; nothing to anybody else."""

    actions: frozenset[str] = frozenset()
    roles: tuple[str, ...] = (Role.ADMIN,)

    def user_has_permission(self, user, action):
        return (
            action in self.actions
            and user.is_active
            and not getattr(user, "is_banned", False)
            and getattr(user, "role", None) in self.roles
        )

    def users_with_any_permission(self, actions):
        if self.actions.isdisjoint(actions):
            return User.objects.none()
        return User.objects.filter(is_active=True, is_banned=False, role__in=self.roles)
