from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .models import Coupon, Order
from .viewsets import CouponPermissionPolicy, CouponViewSet, OrderPermissionPolicy, OrderViewSet

# Registered before the viewsets: Wagtail would otherwise create its default, model-permission policies.
register_permission_policy(Order, OrderPermissionPolicy(Order))
register_permission_policy(Coupon, CouponPermissionPolicy(Coupon))


@hooks.register("register_admin_viewset")
def register_order_viewset():
    return OrderViewSet()


@hooks.register("register_admin_viewset")
def register_coupon_viewset():
    return CouponViewSet()
