"""What in Wagtail itself makes the visitors' cached pages stale (lms_site/page_cache.py).

Connected in every process (web, workers, beat), since pages are published by editors and by beat alike.
What the apps' own models add to those pages (categories, live sessions, trainers' names) is connected in
their receivers.py.
"""

from django.apps import apps
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.images import get_image_model
from wagtail.models import Page, Site
from wagtail.models.pages import COMMENTS_RELATION_NAME
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import page_cache


@receiver(page_published, dispatch_uid="page_cache_published")
@receiver(page_unpublished, dispatch_uid="page_cache_unpublished")
@receiver(post_page_move, dispatch_uid="page_cache_moved")
def page_changed(sender, **kwargs):
    page_cache.invalidate()


def page_deleted(sender, **kwargs):
    page_cache.invalidate()


# What Wagtail writes to a page row when a draft is saved or the page is locked: none of it shows on a live page.
DRAFT_BOOKKEEPING = {
    COMMENTS_RELATION_NAME,
    "latest_revision",
    "latest_revision_created_at",
    "draft_title",
    "has_unpublished_changes",
    "locked",
    "locked_at",
    "locked_by",
}


def page_saved(sender, instance, created=False, update_fields=None, **kwargs):
    # Publishing also sends page_published; this catches pages written without it: created live (add_child, a
    # copy), or changed and saved by code (a title, show_in_menus), which the menu and the pages show at once.
    # A new draft (the admin's "Add page") and a saved revision show nowhere yet.
    if (created and not instance.live) or (update_fields is not None and set(update_fields) <= DRAFT_BOOKKEEPING):
        return
    page_cache.invalidate()


def connect_page_models() -> None:
    """Deleting a page deletes its subtree as rows, with Django's delete signals and none of Wagtail's; saving a
    page sends Django's post_save for its own model only.

    Connected for each page model rather than for every sender: a receiver of every model's deletions would
    keep Django from deleting rows of any model in bulk without loading them first.
    """
    for model in apps.get_models():
        if issubclass(model, Page):
            label = model._meta.label
            post_delete.connect(page_deleted, sender=model, dispatch_uid=f"page_cache_deleted_{label}")
            post_save.connect(page_saved, sender=model, dispatch_uid=f"page_cache_saved_{label}")


@receiver(post_save, sender=Site, dispatch_uid="page_cache_site_saved")
@receiver(post_delete, sender=Site, dispatch_uid="page_cache_site_deleted")
def site_changed(sender, **kwargs):
    page_cache.invalidate()


@receiver(post_save, sender=get_image_model(), dispatch_uid="page_cache_image_saved")
@receiver(post_delete, sender=get_image_model(), dispatch_uid="page_cache_image_deleted")
def image_changed(sender, **kwargs):
    # A cover or hero image's new focal point or file gives new rendition URLs; a deleted one leaves a blank.
    page_cache.invalidate()
