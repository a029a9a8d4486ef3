"""The SCORM library in Wagtail's admin: who may upload, and what an upload shows when it is refused."""

import pytest
from django.urls import reverse

from scorm.models import ScormPackage

from . import packages

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(ScormPackage.snippet_viewset.get_url_name(name), args=args)


def test_admins_upload_a_package(client, private_media, admin_user):
    client.force_login(admin_user)

    response = client.post(url("add"), {"title": "Fire safety", "package": packages.upload(packages.build("2004"))})

    assert response.status_code == 302, response.content.decode()[:2000]
    package = ScormPackage.objects.get()
    assert (package.title, package.version, package.uploaded_by) == ("Fire safety", "2004", admin_user)
    assert (private_media / package.storage_prefix / "index.html").exists()
    assert client.get(url("list")).status_code == 200
    # The title may change; the files may not.
    response = client.post(url("edit", package.pk), {"title": "Fire safety 2"})
    assert response.status_code == 302
    package.refresh_from_db()
    assert package.title == "Fire safety 2"


def test_trainers_see_and_choose_packages_but_cannot_add_change_or_delete_them(
    client, private_media, other_trainer, make_package
):
    package = make_package(title="Fire safety")
    client.force_login(other_trainer)

    assert client.get(url("list")).status_code == 200
    assert client.get(reverse("wagtailsnippetchoosers_scorm_scormpackage:choose")).status_code == 200
    response = client.post(url("add"), {"title": "Mine", "package": packages.upload(packages.build("2004"))})
    assert response.status_code in (302, 403)
    assert client.post(url("edit", package.pk), {"title": "Renamed"}).status_code in (302, 403)
    assert client.post(url("delete", package.pk)).status_code in (302, 403)
    assert list(ScormPackage.objects.values_list("title", flat=True)) == ["Fire safety"]


def test_a_refused_package_shows_its_reason_and_writes_nothing(client, private_media, admin_user):
    client.force_login(admin_user)
    hostile = packages.build(files={"../../escape.html": b"x"})

    response = client.post(url("add"), {"title": "Bad", "package": packages.upload(hostile)})

    assert response.status_code == 200
    assert "names a file outside itself" in response.content.decode()
    assert not ScormPackage.objects.exists()
    assert not private_media.exists() or not any(private_media.rglob("*"))


def test_an_upload_needs_a_package(client, private_media, admin_user):
    client.force_login(admin_user)

    response = client.post(url("add"), {"title": "Empty"})

    assert response.status_code == 200 and not ScormPackage.objects.exists()


def test_learners_cannot_reach_the_library(client, private_media, learner):
    client.force_login(learner)

    response = client.post(url("add"), {"title": "X", "package": packages.upload(packages.build())})

    assert response.status_code in (302, 403)
    assert not ScormPackage.objects.exists()


def test_a_package_learners_used_is_not_deleted_and_an_unused_one_takes_its_files_along(
    client, private_media, admin_user, learner, lessons, make_package, django_capture_on_commit_callbacks
):
    from scorm.models import ScormAttempt

    used, unused = make_package(title="Used"), make_package(title="Unused")
    ScormAttempt.objects.create(user=learner, lesson=lessons[1], package=used)
    client.force_login(admin_user)

    response = client.post(url("delete", used.pk), follow=True)

    assert ScormPackage.objects.filter(pk=used.pk).exists()
    assert "learners&#x27; records refer to it" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("delete", unused.pk)).status_code == 302
    assert not ScormPackage.objects.filter(pk=unused.pk).exists()
    assert not (private_media / unused.storage_prefix).exists() or not any(
        path.is_file() for path in (private_media / unused.storage_prefix).rglob("*")
    )
    assert (private_media / used.storage_prefix / "index.html").exists()
