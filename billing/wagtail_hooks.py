from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .models import Order
from .viewsets import OrderPermissionPolicy, OrderViewSet

# Registered before the viewset: Wagtail would otherwise create its default, model-permission policy.
register_permission_policy(Order, OrderPermissionPolicy(Order))


@hooks.register("register_admin_viewset")
def register_order_viewset():
    return OrderViewSet()
