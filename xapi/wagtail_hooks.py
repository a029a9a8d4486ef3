from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .models import Statement
from .viewsets import StatementPermissionPolicy, StatementViewSet

# Registered before the viewset: Wagtail would otherwise create its default, model-permission policy.
register_permission_policy(Statement, StatementPermissionPolicy(Statement))


@hooks.register("register_admin_viewset")
def register_statement_viewset():
    return StatementViewSet()
