"""Translated pages (docs/adr/0038): the original is the course in every language, shown in the reader's."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.models import Page

from accounts.tests.factories import UserFactory
from assessments import services as assessment_services
from assessments.models import Attempt
from assessments.tests.factories import make_assessment, option, question
from courses.models import CoursePage, LessonPage
from courses.tests.factories import make_course
from learning import services as learning_services
from learning.models import Enrollment, LessonProgress
from lms_site.demo_translations import translate_pages
from lms_site.translated_pages import in_language

GERMAN = {
    "Intro to Testing": "Einführung ins Testen",
    "Learn intro to testing step by step.": "Lernen Sie das Testen Schritt für Schritt.",
    "Intro to Testing lesson 1.1": "Lektion 1.1 zum Testen",
    "Body of lesson 1.1": "Inhalt der Lektion 1.1",
    "Courses": "Kurse",
    "Which city is the capital of France?": "Welche Stadt ist die Hauptstadt Frankreichs?",
    "Paris": "Paris (de)",
    "Lyon": "Lyon (de)",
    "Capital quiz": "Hauptstadt-Quiz",
}


@pytest.fixture
def german(db, home_page, catalogue, course):
    """The course translated into German with wagtail-localize, as an editor would, parents first."""
    pages = [home_page, catalogue, course, *[page.specific for page in course.get_descendants().order_by("path")]]
    translate_pages([page.specific for page in pages], language="de", texts=GERMAN)
    return CoursePage.objects.get(locale__language_code="de", translation_key=course.translation_key)


def address(page) -> str:
    """The page's English address (a request to /de/ leaves German active in the test's thread)."""
    with translation.override("en"):
        return page.url


def title_of(response) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S).group(1).strip()


def test_a_course_reads_in_the_language_of_the_address(client, course, german):
    assert title_of(client.get(address(course))) == "Intro to Testing"
    response = client.get(f"/de{address(course)}")
    assert response.status_code == 200
    assert title_of(response) == "Einführung ins Testen"
    assert 'lang="de"' in response.content.decode()
    # Its links keep the reader in German: the lessons' addresses are the originals' under /de/.
    first = LessonPage.objects.live().descendant_of(course).order_by("path").first()
    assert f'href="/de{address(first)}"' in response.content.decode()


def test_a_translated_lesson_shows_its_translated_body(client, course, german):
    first = LessonPage.objects.live().descendant_of(course).order_by("path").first()  # a free preview
    html = client.get(f"/de{address(first)}").content.decode()
    assert "Inhalt der Lektion 1.1" in html and "Body of lesson 1.1" not in html
    assert "Lektion 1.1 zum Testen" in html


def test_without_a_translation_the_original_is_shown_in_the_readers_interface(client, course, german):
    # No Arabic translation: the English course, with the Arabic interface around it.
    response = client.get(f"/ar{address(course)}")
    assert response.status_code == 200
    assert title_of(response) == "Intro to Testing"
    assert 'dir="rtl"' in response.content.decode()


def test_the_catalogue_shows_translated_cards_and_falls_back_to_the_original(client, catalogue, course, german):
    other = make_course(catalogue, title="Untranslated Course", with_revisions=False)
    html = client.get(f"/de{address(catalogue)}").content.decode()
    assert "Einführung ins Testen" in html and "Lernen Sie das Testen Schritt für Schritt." in html
    assert "Untranslated Course" in html
    # Each course once, linked at its original's address.
    assert html.count(f'href="/de{address(course)}"') >= 1
    assert html.count(f'href="/de{address(other)}"') >= 1
    assert "/de/courses/intro-to-testing-de/" not in html


def test_a_translation_is_listed_once(course, german):
    assert CoursePage.objects.originals().filter(translation_key=course.translation_key).count() == 1
    assert CoursePage.objects.filter(translation_key=course.translation_key).count() == 2


def test_enrolling_on_the_german_page_enrols_in_the_course(client, course, german):
    learner = UserFactory()
    client.force_login(learner)
    page = client.get(f"/de{address(course)}").content.decode()
    # The form posts the original's id: there is one course to enrol in, whatever the language.
    assert f"/de/learning/courses/{course.pk}/enrol/" in page
    assert f"/learning/courses/{german.pk}/enrol/" not in page
    response = client.post(f"/de/learning/courses/{course.pk}/enrol/")
    assert response.status_code == 302 and response["Location"].startswith("/de/")
    assert Enrollment.objects.get(user=learner).course_id == course.pk
    assert not Enrollment.objects.filter(course=german).exists()


def test_progress_made_in_german_is_the_same_progress_in_english(client, course, german):
    learner = UserFactory()
    enrollment = learning_services.enroll(user=learner, course=course)
    lesson = LessonPage.objects.live().descendant_of(course).order_by("path").first()
    client.force_login(learner)
    response = client.post(f"/de/learning/lessons/{lesson.pk}/complete/")
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).exists()
    assert enrollment.progress_percent == 25


def test_an_attempt_started_in_german_keeps_the_originals_ids_and_keys(client, course, german):
    quiz = make_assessment(
        course,
        title="Capital quiz",
        questions=[
            question(
                "single_choice",
                prompt="<p>Which city is the capital of France?</p>",
                options=[option("Paris", True), option("Lyon")],
            )
        ],
    )
    quiz.save_revision().publish()
    translate_pages([quiz], language="de", texts=GERMAN)
    learner = UserFactory()
    learning_services.enroll(user=learner, course=course)
    client.force_login(learner)

    html = client.get(f"/de{address(quiz)}").content.decode()
    assert "Hauptstadt-Quiz" in html
    client.post(f"/de/assessments/{quiz.pk}/start/")
    attempt = Attempt.objects.get(user=learner)
    assert attempt.assessment_id == quiz.pk  # the original, not its translation
    (asked,) = attempt.snapshot["questions"]
    original = quiz.questions[0]
    assert asked["id"] == original.id
    assert "Welche Stadt" in asked["prompt"]
    right = next(o for o in asked["options"] if o["correct"])
    assert right["text"] == "Paris (de)"
    assert right["id"] == quiz.questions.raw_data[0]["value"]["options"][0]["id"]
    assessment_services.save_answer(attempt=attempt, question_id=asked["id"], answer=right["id"])
    graded = assessment_services.submit_attempt(attempt=attempt)
    assert graded.percent == 100 and graded.passed


def test_in_english_nothing_is_read_for_translations(client, catalogue, course, german):
    # The overlay reads nothing in the site's own language: the English catalogue costs what it did.
    with CaptureQueriesContext(connection) as english:
        client.get(address(catalogue))
    with CaptureQueriesContext(connection) as german_page:
        client.get(f"/de{address(catalogue)}")
    assert [q["sql"] for q in english.captured_queries if '"translation_key" IN' in q["sql"]] == []
    assert len(german_page.captured_queries) <= len(english.captured_queries) + 3


def test_a_german_address_of_a_page_without_an_original_is_404(client, german):
    assert client.get("/de/courses/no-such-course/").status_code == 404


def test_the_translated_page_itself_gives_the_originals_address(course, german):
    assert german.url == f"/de{address(course)}"
    with translation.override("de"):
        assert Page.objects.get(pk=course.pk).specific.url == f"/de{address(course)}"


def test_a_page_carrying_a_translation_cannot_be_saved_over_the_original(course, german):
    shown = in_language(CoursePage.objects.get(pk=course.pk), "de")
    assert shown.title == "Einführung ins Testen" and shown.pk == course.pk
    with pytest.raises(RuntimeError):
        shown.save()
    course.refresh_from_db()
    assert course.title == "Intro to Testing"


def test_a_translation_published_on_commit_keeps_its_children_counted(home_page, catalogue, course, run_on_commit):
    # As the admin's "Translate" with "include subtree" does: wagtail-localize creates the course's translation and
    # its children, and publishes each page's first revision on commit, from when it had no children.
    from wagtail.models import Locale
    from wagtail_localize.models import Translation, TranslationSource

    german = Locale.objects.get(language_code="de")

    def translate_tree():
        for page in [home_page, catalogue, course, *course.get_descendants().order_by("path").specific()]:
            source, _created = TranslationSource.get_or_create_from_instance(page)
            Translation.objects.create(source=source, target_locale=german).save_target(publish=True)

    run_on_commit(translate_tree)
    translated = CoursePage.objects.get(locale=german, translation_key=course.translation_key)
    assert translated.numchild == translated.get_children().count() == 2
    assert Page.find_problems() == ([], [], [], [], [])


def test_a_translation_of_older_blocks_gives_way_to_the_originals_current_ones(client, course, german):
    # The editor adds a block to the English lesson and has not updated the German translation yet.
    lesson = LessonPage.objects.live().descendant_of(course).order_by("path").first()
    lesson.body.append(("rich_text", "<p>A new paragraph</p>"))
    lesson.save_revision().publish()
    html = client.get(f"/de{address(lesson)}").content.decode()
    assert "A new paragraph" in html and "Body of lesson 1.1" in html  # the whole current English body
    assert "Lektion 1.1 zum Testen" in html  # the title, a plain text field, stays translated


def test_untranslated_text_is_marked_with_its_language(client, catalogue, course, german):
    # Under /ar/ nothing of the course is translated: its title is English inside an Arabic page, and says so
    # (a screen reader reads it with an English voice); under /de/ the German title needs no mark.
    arabic = client.get(f"/ar{address(course)}").content.decode()
    assert re.search(r'<h1 [^>]*lang="en"[^>]*>Intro to Testing</h1>', arabic)
    german_page = client.get(f"/de{address(course)}").content.decode()
    assert re.search(r'<h1 class="[^"]*">Einführung ins Testen</h1>', german_page)
    other = make_course(catalogue, title="Untranslated Course", with_revisions=False)
    cards = client.get(f"/de{address(catalogue)}").content.decode()
    link = re.escape(f'href="/de{address(other)}"')
    assert re.search(r'<h3 [^>]*lang="en"[^>]*><a [^>]*' + link, cards)
