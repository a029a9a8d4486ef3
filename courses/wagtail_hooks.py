from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.models import Page
from wagtail.snippets.models import register_snippet

from lms_site.deletion import refuse_if_protected

from .viewsets import CategoryViewSet

register_snippet(CategoryViewSet)


def _refuse_protected_delete(request, pages):
    """Pages that learners' records point at are unpublished, not deleted: say so instead of failing."""
    tree = Page.objects.none()
    for page in pages:
        tree |= Page.objects.descendant_of(page, inclusive=True)
    parent = pages[0].get_parent()
    return refuse_if_protected(
        request,
        tree,
        message=_(
            "These pages cannot be deleted: learners' records refer to them (%(records)s). "
            "Unpublish them instead; their learners keep their history."
        ),
        redirect_to="wagtailadmin_explore",
        redirect_args=(parent.pk if parent else pages[0].pk,),
    )


@hooks.register("before_delete_page")
def refuse_deleting_pages_with_learner_records(request, page):
    return _refuse_protected_delete(request, [page])


@hooks.register("before_bulk_action")
def refuse_bulk_deleting_pages_with_learner_records(request, action_type, objects, action_class_instance):
    if action_type == "delete" and objects and isinstance(objects[0], Page):
        return _refuse_protected_delete(request, objects)
    return None
