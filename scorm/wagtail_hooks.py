from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from lms_site.deletion import refuse_if_protected

from .models import ScormPackage
from .viewsets import ScormPackagePermissionPolicy, ScormPackageViewSet

# Registered before the viewset: Wagtail would otherwise create its default, model-permission policy.
register_permission_policy(ScormPackage, ScormPackagePermissionPolicy(ScormPackage))

register_snippet(ScormPackageViewSet)


def _refuse_if_learners_used(request, packages):
    return refuse_if_protected(
        request,
        packages,
        message=_(
            "This package cannot be deleted: learners' records refer to it (%(records)s). "
            "Take it out of its lessons instead; their learners keep their history."
        ),
        redirect_to=ScormPackage.snippet_viewset.get_url_name("list"),
    )


@hooks.register("before_delete_snippet")
def refuse_deleting_packages_with_attempts(request, instances):
    if instances and isinstance(instances[0], ScormPackage):
        return _refuse_if_learners_used(request, instances)
    return None


@hooks.register("before_bulk_action")
def refuse_bulk_deleting_packages_with_attempts(request, action_type, objects, action_class_instance):
    if action_type == "delete" and objects and isinstance(objects[0], ScormPackage):
        return _refuse_if_learners_used(request, objects)
    return None
