"""Languages (docs/adr/0037): the URL decides the page's language, the profile what is sent to a person."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts import services as account_services
from accounts.models import User
from accounts.tests.factories import UserFactory
from learning import services as learning_services


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


@pytest.mark.parametrize(
    ("prefix", "lang", "direction", "sign_in"),
    [("", "en", "ltr", "Sign in"), ("/de", "de", "ltr", "Anmelden"), ("/ar", "ar", "rtl", "تسجيل الدخول")],
)
def test_the_prefix_decides_the_language_and_direction(client, db, prefix, lang, direction, sign_in):
    response = client.get(f"{prefix}/accounts/sign-in/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    assert f'lang="{lang}"' in html_tag(response) and f'dir="{direction}"' in html_tag(response)
    assert sign_in in response.content.decode()
    assert response["Content-Language"] == lang
    # The URL alone decides (no Accept-Language, no cookie), so caches need not vary on the header.
    assert "Accept-Language" not in response.get("Vary", "")


def test_an_unprefixed_address_is_english_whatever_the_browser_asks(client, db):
    response = client.get("/accounts/sign-in/", HTTP_ACCEPT_LANGUAGE="ar")
    assert 'lang="en"' in html_tag(response)


def test_the_switcher_links_to_this_page_in_each_language(client, db):
    response = client.get("/ar/accounts/sign-up/?next=/courses/")
    html = response.content.decode()
    switchers = re.findall(r"<nav aria-label=\"[^\"]+\" class=\"[^\"]*\">\s*<ul.*?</ul>", html, re.S)
    assert len(switchers) == 2  # header and footer
    links = re.findall(r'<a href="([^"]+)" lang="(\w+)" hreflang="\w+"[^>]*?(aria-current="true")?>', switchers[0])
    assert [(url, code) for url, code, _current in links] == [
        ("/accounts/sign-up/", "en"),
        ("/de/accounts/sign-up/", "de"),
        ("/ar/accounts/sign-up/", "ar"),
    ]
    assert [code for _url, code, current in links if current] == ["ar"]
    # Alternates for search engines, without the page itself.
    assert '<link rel="alternate" hreflang="de" href="/de/accounts/sign-up/">' in html
    assert 'hreflang="ar" href="/ar/accounts/sign-up/">' not in html.split("</head>")[0]


def test_signing_up_in_german_makes_german_the_preferred_language(client, db):
    data = {
        "first_name": "Greta",
        "last_name": "Hopper",
        "email": "greta@example.com",
        "username": "greta",
        "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase",
    }
    response = client.post("/de/accounts/sign-up/", data)
    assert response.status_code == 302
    assert User.objects.get(username="greta").preferred_language == "de"


def test_the_profile_saves_a_language_and_answers_in_it(client, db):
    user = UserFactory()
    client.force_login(user)
    data = {"first_name": "Ada", "last_name": "Byron", "time_zone": "Europe/Berlin", "preferred_language": "ar"}
    response = client.post(reverse("accounts:profile"), data)
    assert response.status_code == 302 and response["Location"] == "/ar/accounts/profile/"
    user.refresh_from_db()
    assert user.preferred_language == "ar"


def test_a_language_the_site_does_not_speak_is_refused_and_nothing_is_saved(client, db):
    user = UserFactory(first_name="Ada")
    client.force_login(user)
    data = {"first_name": "Changed", "last_name": "Byron", "time_zone": "UTC", "preferred_language": "fr"}
    response = client.post(reverse("accounts:profile"), data)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    user.refresh_from_db()
    assert (user.first_name, user.preferred_language) == ("Ada", "en")


def test_signing_in_lands_in_the_preferred_language(client, db):
    user = UserFactory(username="amal", preferred_language="ar")
    user.set_password("a-long-unusual-passphrase")
    user.save()
    response = client.post(
        "/accounts/sign-in/", {"username": "amal", "password": "a-long-unusual-passphrase", "next": "/courses/"}
    )
    assert client.session[SESSION_KEY] == str(user.pk)
    assert response["Location"] == "/ar/courses/"


def test_an_email_is_written_in_the_recipients_language(db, course, run_on_commit, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://learn.example"
    learner = UserFactory(preferred_language="de", first_name="Greta")
    run_on_commit(learning_services.enroll, user=learner, course=course)
    (message,) = mail.outbox
    assert message.subject == f"Sie sind in {course.title} eingeschrieben"
    assert "Ihr Fortschritt wird laufend gespeichert" in message.body
    # The links lead to the German pages.
    assert f"https://learn.example/de{course.url}" in message.body


def test_the_same_email_in_english_for_an_english_reader(db, course, run_on_commit):
    learner = UserFactory(preferred_language="en")
    run_on_commit(learning_services.enroll, user=learner, course=course)
    assert mail.outbox[0].subject == f"You are enrolled in {course.title}"


def test_render_email_gives_pages_in_the_recipients_language(db, course):
    reader = UserFactory(preferred_language="ar")
    subject, _body = account_services.render_email(
        template="learning/emails/enrolled", context={"course": course}, user=reader
    )
    with translation.override("ar"):
        expected = gettext("You are enrolled in %(title)s") % {"title": course.title}
    assert expected != f"You are enrolled in {course.title}"  # the catalogue has it
    assert subject == expected


@pytest.mark.parametrize("active", ["en", "de", "ar"])
def test_an_address_moves_to_another_language_whatever_the_active_one(db, active):
    from lms_site.i18n import url_in

    with translation.override(active):
        assert url_in("/ar/courses/", "de") == "/de/courses/"
        assert url_in("/de/accounts/profile/", "en") == "/accounts/profile/"
        assert url_in("/learning/", "ar") == "/ar/learning/"
        assert url_in("/ar/courses/", "ar") == "/ar/courses/"


def test_signing_in_from_a_german_page_lands_in_the_preferred_language(client, db):
    user = UserFactory(username="amal", preferred_language="ar")
    user.set_password("a-long-unusual-passphrase")
    user.save()
    response = client.post(
        "/accounts/sign-in/", {"username": "amal", "password": "a-long-unusual-passphrase", "next": "/de/courses/"}
    )
    assert response["Location"] == "/ar/courses/"
