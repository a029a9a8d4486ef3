"""Keeps translated pages right: their place in the tree, and the locale ids they are looked up by.

wagtail-localize publishes a new translation's first revision when the transaction commits; with "include
subtree", its child pages were created before that, and the revision, made when it had none, writes a child count
of 0 back into the tree (wagtail-localize issue #773). The tree then refuses the next translated child (a unique
path error) and the admin shows the translation without children. Counting them again on publish repairs it.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Locale, Page
from wagtail.signals import page_published

from .translated_pages import forget_locales, original_locale_id


@receiver(post_save, sender=Locale, dispatch_uid="translated_pages_locale_saved")
@receiver(post_delete, sender=Locale, dispatch_uid="translated_pages_locale_deleted")
def locales_changed(sender, **kwargs):
    # The locale ids are kept per process; a locale added in the admin must be known without a restart.
    forget_locales()


@receiver(page_published, dispatch_uid="translated_page_child_count")
def recount_children(sender, instance, **kwargs):
    if instance.locale_id == original_locale_id():
        return  # originals are published by Wagtail's own editor: their count is kept by the tree
    children = Page.objects.filter(path__startswith=instance.path, depth=instance.depth + 1).count()
    if children != instance.numchild:
        Page.objects.filter(pk=instance.pk).update(numchild=children)
        instance.numchild = children
