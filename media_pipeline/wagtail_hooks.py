from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from .admin_views import VideoAssetDeleteBulkAction
from .models import VideoAsset
from .viewsets import VideoAssetPermissionPolicy, VideoAssetViewSet

# Registered before the viewset: Wagtail would otherwise create its default, model-permission policy.
register_permission_policy(VideoAsset, VideoAssetPermissionPolicy(VideoAsset))

register_snippet(VideoAssetViewSet)

# After wagtail.snippets' own bulk delete (order 0), which it replaces for videos: each deletion goes
# through services.delete_video_asset.
hooks.register("register_bulk_action", VideoAssetDeleteBulkAction, order=1)
