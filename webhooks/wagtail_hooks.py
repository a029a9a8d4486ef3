from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .models import WebhookDelivery, WebhookEndpoint
from .viewsets import DeliveryPermissionPolicy, EndpointPermissionPolicy, WebhookDeliveryViewSet, WebhookEndpointViewSet

# Registered before the viewsets: Wagtail would otherwise create its default, model-permission policies.
register_permission_policy(WebhookEndpoint, EndpointPermissionPolicy(WebhookEndpoint))
register_permission_policy(WebhookDelivery, DeliveryPermissionPolicy(WebhookDelivery))


@hooks.register("register_admin_viewset")
def register_webhook_endpoint_viewset():
    return WebhookEndpointViewSet()


@hooks.register("register_admin_viewset")
def register_webhook_delivery_viewset():
    return WebhookDeliveryViewSet()
