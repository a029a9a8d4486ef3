"""Creates the three role groups and the baseline permissions of the Trainers group.

Trainers get into the Wagtail admin and may add and edit images and documents; their page
permissions are granted per catalogue (courses.services.grant_trainers_catalogue_access).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MEDIA_PERMISSIONS = {
    ("wagtailimages", "image"): ("add_image", "change_image", "choose_image"),
    ("wagtaildocs", "document"): ("add_document", "change_document", "choose_document"),
}


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; this one needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    Group.objects.get_or_create(name="Learners")
    Group.objects.get_or_create(name="Administrators")
    trainers, _ = Group.objects.get_or_create(name="Trainers")
    trainers.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))

    root_collection = Collection.objects.filter(depth=1).first()
    for (app_label, _model), codenames in MEDIA_PERMISSIONS.items():
        for codename in codenames:
            permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
            GroupCollectionPermission.objects.get_or_create(
                group=trainers, collection=root_collection, permission=permission
            )


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Learners", "Trainers", "Administrators"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
