"""The <title> of public pages carries the site name once, and the editor's SEO title field says so."""

import re

import pytest
from django.urls import reverse

from assessments.tests.factories import make_assessment
from home.models import LandingPage
from lms_site.seo import title_tag

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("page_title", "expected"),
    [
        ("Team training", "Team training · Learnwell"),
        ("Team training | Learnwell", "Team training | Learnwell"),
        ("Team training – learnwell ", "Team training – learnwell"),
        ("Learnwell for teams", "Learnwell for teams · Learnwell"),  # the name elsewhere in the title counts not
        ("Learnwell", "Learnwell"),
        ("  ", "Learnwell"),
    ],
)
def test_the_site_name_follows_the_title_once(page_title, expected):
    assert title_tag(page_title, "Learnwell") == expected


def title_of(client, url: str) -> str:
    html = client.get(url).content.decode()
    [title] = re.findall(r"<title>(.*?)</title>", html, flags=re.S)
    return title


def test_pages_render_the_title_tag_without_a_second_site_name(client, home_page, course):
    named = home_page.add_child(instance=LandingPage(title="Teams", slug="teams", seo_title="For teams | Learnwell"))
    named.save_revision().publish()
    plain = home_page.add_child(instance=LandingPage(title="Spring", slug="spring", seo_title="Spring offer"))
    plain.save_revision().publish()
    course.seo_title = "Intro to Testing – Learnwell"
    course.save_revision().publish()

    assert title_of(client, named.url) == "For teams | Learnwell"
    assert title_of(client, plain.url) == "Spring offer · Learnwell"
    assert title_of(client, course.url) == "Intro to Testing – Learnwell"
    assert title_of(client, home_page.url) == f"{home_page.title} · Learnwell"  # no SEO title: the page's own
    assert title_of(client, "/no-such-page/").endswith("Learnwell")  # pages without one keep their own title


def test_the_seo_title_field_explains_the_rule_on_every_page_type_that_renders_it(
    client, admin_user, home_page, catalogue, course
):
    landing = home_page.add_child(instance=LandingPage(title="Teams", slug="teams"))
    assessment = make_assessment(course)
    client.force_login(admin_user)

    for page in (home_page, landing, catalogue, course, assessment):
        html = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
        assert 'name="seo_title"' in html, page
        assert "is added after it unless it already ends with “Learnwell”" in html, page
