"""/sitemap.xml lists only pages a visitor can open: no modules (they redirect), no lessons behind enrolment,
no assessments. Every page type of the tree contributes, so the test lives with the project."""

import re
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.tests.factories import make_assessment
from courses.models import ModulePage
from courses.tests.factories import make_course

pytestmark = pytest.mark.django_db


def sitemap_paths(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    return [urlsplit(url).path for url in re.findall(r"<loc>([^<]+)</loc>", response.content.decode())]


def test_the_sitemap_lists_what_a_visitor_can_open_and_nothing_else(client, home_page, catalogue, course, lessons):
    module = ModulePage.objects.child_of(course).first()
    assessment = make_assessment(course, title="Final assessment", slug="final")
    assessment.save_revision().publish()
    preview, *enrolled_only = lessons
    assert preview.is_free_preview and not any(lesson.is_free_preview for lesson in enrolled_only)

    paths = sitemap_paths(client)

    assert paths == [home_page.url, catalogue.url, course.url, preview.url]
    assert module.url not in paths and assessment.url not in paths
    for path in paths:  # what the sitemap promises, a visitor gets
        assert client.get(path).status_code == 200, path
    # What it leaves out is indeed not a page for visitors.
    assert client.get(module.url).status_code == 302
    assert {client.get(lesson.url).status_code for lesson in enrolled_only} == {403}
    assert client.get(assessment.url).status_code == 403


def test_the_sitemap_queries_do_not_grow_with_the_courses(client, home_page, catalogue, course):
    sitemap_paths(client)  # caches warm (Wagtail's site root paths), as on every later request
    with CaptureQueriesContext(connection) as one_course:
        sitemap_paths(client)
    make_course(catalogue, title="Second course", modules=3, lessons_per_module=3, with_revisions=False)
    sitemap_paths(client)
    with CaptureQueriesContext(connection) as two_courses:
        paths = sitemap_paths(client)
    assert len(paths) == 6  # the second course and its first lesson, a free preview, joined the list
    assert len(two_courses) == len(one_course)
