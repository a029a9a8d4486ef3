from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from .models import ScormPackage
from .viewsets import ScormPackagePermissionPolicy, ScormPackageViewSet

# Registered before the viewset: Wagtail would otherwise create its default, model-permission policy.
register_permission_policy(ScormPackage, ScormPackagePermissionPolicy(ScormPackage))

register_snippet(ScormPackageViewSet)
