"""Essay feedback in the browser: the learner waits for grading, the trainer grades with comments, the learner
reads the score and the comments; the dashboard's recent grades fit a phone."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from assessments import grading
from assessments import services as assessment_services
from assessments.models import AssessmentPage, Attempt
from courses.models import CoursePage
from e2e.conftest import DESKTOP, PHONE, artefact_path, check_accessibility
from e2e.test_assessments import DJANGO_COURSE, sign_in
from learning.models import Enrollment

pytestmark = pytest.mark.e2e

ESSAY = "A service checks the room's capacity before it saves a booking, and a test books the last seat twice."
ESSAY_COMMENT = "Good plan. Say which error message the learner sees when the room is full."
OVERALL_COMMENT = "Solid work on the whole assessment: you are ready for the deployment module."


def submitted_with_essay(username: str) -> Attempt:
    """The learner's final assessment, every automatic question right and the essay written: 2 of 6 points
    until a trainer grades the essay (the "Best score 33.33%" newcomers saw)."""
    user = User.objects.get(username=username)
    course = CoursePage.objects.get(slug=DJANGO_COURSE)
    final = AssessmentPage.objects.child_of(course).get(title="Final assessment")
    Enrollment.objects.create(user=user, course=course, status="active", enrolled_at=timezone.now())
    attempt = assessment_services.start_attempt(user=user, assessment=final)
    answers = grading.full_marks_answers(attempt.snapshot)
    for question in attempt.snapshot["questions"]:
        given = ESSAY if question["type"] == "essay" else answers[question["id"]]
        assessment_services.save_answer(attempt=attempt, question_id=question["id"], answer=given)
    return assessment_services.submit_attempt(attempt=attempt)


def test_the_learner_waits_then_reads_the_score_and_the_feedback(page: Page, browser: Browser, live_server, demo_site):
    base = live_server.url
    attempt = submitted_with_essay("learner")
    final = attempt.assessment
    result_url = f"{base}/assessments/attempts/{attempt.pk}/result/"

    sign_in(page, base, "learner", "learnwell-learner")
    page.goto(base + final.url)
    summary = page.locator("dl").filter(has_text="Best score")
    expect(summary).to_contain_text("Waiting for grading")
    expect(summary).not_to_contain_text("33.33%")
    row = page.get_by_role("table").get_by_role("row").filter(has=page.get_by_role("rowheader", name="1"))
    expect(row).to_contain_text("Waiting for grading")
    expect(row).not_to_contain_text("%")
    row.get_by_role("link", name=re.compile("Result and feedback")).click()
    expect(page).to_have_url(result_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your result: attempt 1")
    expect(page.get_by_role("region", name="Score")).to_contain_text("Waiting for grading")
    expect(page.get_by_text(ESSAY_COMMENT)).to_have_count(0)

    # The trainer, in a browser of their own, grades the essay from the queue and adds an overall comment.
    trainer_context = browser.new_context(base_url=base)
    trainer = trainer_context.new_page()
    sign_in(trainer, base, "trainer", "learnwell-trainer")
    trainer.goto(f"{base}/assessments/courses/{final.course.pk}/grading/")
    panel = trainer.locator("#grading-panel")
    expect(panel.get_by_role("heading", level=2)).to_have_text("Lena Learner · Final assessment")
    check_accessibility(trainer, "the grading queue with an essay")
    panel.get_by_label("Score (0 to 4)").fill("3")
    panel.get_by_label("Comment for the learner").fill(ESSAY_COMMENT)
    panel.get_by_role("button", name="Grade and next").click()
    expect(panel.get_by_role("status")).to_have_text("Graded Lena Learner’s essay.")

    trainer.goto(f"{base}/assessments/attempts/{attempt.pk}/")
    # The essay's comment, ready to edit beside its question.
    essay_item = trainer.get_by_role("listitem").filter(has_text="Describe how you would add a capacity check")
    expect(essay_item.get_by_label("Comment for the learner")).to_have_value(ESSAY_COMMENT)
    trainer.evaluate("window.sameDocument = true")
    trainer.get_by_label("Overall comment").fill(OVERALL_COMMENT)
    trainer.get_by_role("button", name="Save feedback").click()
    expect(trainer.get_by_role("status").filter(has_text="Your feedback was saved.")).to_be_visible()
    expect(trainer.get_by_label("Overall comment")).to_have_value(OVERALL_COMMENT)
    check_accessibility(trainer, "an attempt's feedback form, saved")
    assert trainer.evaluate("window.sameDocument") is True, "saving the feedback reloaded the page"
    trainer_context.close()

    # The learner's result: the score, passed, the overall comment on top and the essay's comment beside it.
    page.reload()
    score = page.get_by_role("region", name="Score")
    expect(score).to_contain_text("83.33%")
    expect(score).to_contain_text("5 of 6 points")
    expect(score).to_contain_text("Passed")
    expect(score).not_to_contain_text("Waiting for grading")
    overall = page.get_by_role("region", name="Feedback from your trainer")
    expect(overall).to_contain_text(OVERALL_COMMENT)
    essay = page.locator("article").filter(has_text=ESSAY_COMMENT)
    expect(essay).to_contain_text("Describe how you would add a capacity check")
    expect(essay).to_contain_text("Your trainer’s comment")
    check_accessibility(page, "a graded result with the trainer's feedback")
    page.set_viewport_size(PHONE)
    page.screenshot(path=artefact_path("grade-feedback-result-390.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=artefact_path("grade-feedback-result-1366.png"), full_page=True)

    page.goto(base + final.url)
    summary = page.locator("dl").filter(has_text="Best score")
    expect(summary).to_contain_text("83.33%")
    expect(summary).not_to_contain_text("Waiting for grading")

    page.goto(base + "/learning/")
    recent = page.get_by_role("region", name="Recent grades")
    line = recent.get_by_role("link", name="Your essay in Final assessment was graded: 83.33%")
    expect(line).to_be_visible()
    line.click()
    expect(page).to_have_url(result_url)


def fits_the_width(page: Page, selector: str) -> dict:
    return page.evaluate(
        """(selector) => {
            const section = document.querySelector(selector);
            const right = Math.max(...[...section.querySelectorAll('*')]
                .filter((element) => element.getClientRects().length)
                .map((element) => element.getBoundingClientRect().right));
            return {
                right: right,
                viewport: document.documentElement.clientWidth,
                overflows: section.scrollWidth > section.clientWidth,
                page_overflows: document.documentElement.scrollWidth > document.documentElement.clientWidth,
            };
        }""",
        selector,
    )


def test_recent_grades_fit_a_phone_and_are_a_table_on_a_desktop(page: Page, live_server, demo_site):
    # The demo's learner2 has a graded reflection essay: a news line and a row.
    base = live_server.url
    sign_in(page, base, "learner2", "learnwell-learner2")
    page.set_viewport_size(PHONE)
    page.goto(base + "/learning/")
    recent = page.get_by_role("region", name="Recent grades")
    expect(
        recent.get_by_role("link", name=re.compile(r"Your essay in Reflection: your first analysis was graded"))
    ).to_be_visible()
    expect(recent.get_by_role("table")).to_be_hidden()
    card = recent.get_by_role("listitem").filter(
        has=page.get_by_role("link", name="Reflection: your first analysis", exact=True)
    )
    expect(card).to_be_visible()
    expect(card).to_contain_text("80%")
    expect(card).to_contain_text("Passed")
    recent.scroll_into_view_if_needed()
    measured = fits_the_width(page, "[data-recent-grades]")
    assert not measured["overflows"], measured
    assert measured["right"] <= measured["viewport"], f"something in Recent grades sticks out: {measured}"
    assert not measured["page_overflows"], f"the dashboard scrolls sideways on a phone: {measured}"
    page.screenshot(path=artefact_path("recent-grades-390.png"), full_page=True)

    page.set_viewport_size(DESKTOP)
    table = recent.get_by_role("table")
    expect(table).to_be_visible()
    for header in ("Assessment", "Attempt", "Score", "Result"):
        expect(table.get_by_role("columnheader", name=header)).to_be_visible()
    measured = fits_the_width(page, "[data-recent-grades]")
    assert not measured["overflows"] and measured["right"] <= measured["viewport"], measured
    page.screenshot(path=artefact_path("recent-grades-1366.png"), full_page=True)
