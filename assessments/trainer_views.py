"""The trainer's side of assessments: the grading queue, attempt review with overrides, regrades, gradebook.

Every view is for the course's trainer and admins only (learning.selectors.is_course_staff); the services
check again before they write.
"""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from courses.models import CoursePage
from learning import selectors as learning_selectors
from lms_site.htmx import partial_on_htmx, personal
from lms_site.inputs import read_id
from lms_site.spreadsheets import text_cell

from . import selectors, services, tasks
from .models import AssessmentPage, Attempt, GradeChange

QUEUE_PAGE_SIZE = 25


def _check_staff(request, course) -> None:
    if course is None or not learning_selectors.is_course_staff(user=request.user, course=course):
        raise PermissionDenied("Only the course's trainer and admins grade its assessments.")


def _staff_course(request, course_id: int) -> CoursePage:
    course = get_object_or_404(CoursePage, pk=course_id)
    _check_staff(request, course)
    return course


def _staff_attempt(request, attempt_id: int) -> tuple[Attempt, CoursePage]:
    attempt = get_object_or_404(Attempt.objects.select_related("assessment", "user"), pk=attempt_id)
    course = attempt.assessment.course
    _check_staff(request, course)
    return attempt, course


# Grading queue ------------------------------------------------------------------------------------------------


def _queue_context(request, course, *, attempt=None, question=None, error=None, values=None) -> dict:
    page_obj = Paginator(selectors.grading_queue(course=course), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "course": course,
        "page_obj": page_obj,
        "selected": attempt,
        "question": question,
        # The essay as the learner wrote it; the template escapes it.
        "answer": attempt.answers.get(question["id"]) if attempt and question else None,
        "error": error,
        "values": values or {},
    }


def _selected_essay(request, course):
    """The essay the trainer picked (?attempt=, optionally &question=), else the oldest one waiting."""
    attempt_id = read_id(request.GET.get("attempt"))
    if attempt_id is None:
        return selectors.next_essay_to_grade(course=course)
    attempt = selectors.grading_queue(course=course).filter(pk=attempt_id).first()
    if attempt is None:
        return None, None
    essays = selectors.pending_essays(attempt=attempt)
    wanted = request.GET.get("question")
    question = next((q for q in essays if q["id"] == wanted), essays[0] if essays else None)
    return (attempt, question) if question else (None, None)


@require_GET
@login_required
def grading_queue(request, course_id: int):
    course = _staff_course(request, course_id)
    attempt, question = _selected_essay(request, course)
    partial = "grading-panel" if "attempt" in request.GET else "queue-list"
    template = partial_on_htmx(request, "assessments/trainer/grading_queue.html", partial)
    context = _queue_context(request, course, attempt=attempt, question=question)
    return personal(TemplateResponse(request, template, context))


@require_POST
@login_required
def grade_essay(request, attempt_id: int):
    attempt, course = _staff_attempt(request, attempt_id)
    question_id = request.POST.get("question_id", "")
    values = {"score": request.POST.get("score", "").strip(), "comment": request.POST.get("comment", "")}
    try:
        attempt = services.grade_question(
            attempt=attempt,
            question_id=question_id,
            score=values["score"],
            reason=values["comment"],
            grader=request.user,
            # The comment on an essay is written to the learner: they read it beside the question.
            feedback=values["comment"],
        )
    except services.AssessmentError as error:
        question = attempt.question(question_id)
        context = _queue_context(request, course, attempt=attempt, question=question, error=str(error), values=values)
        template = partial_on_htmx(request, "assessments/trainer/grading_queue.html", "grading-panel")
        return personal(TemplateResponse(request, template, context, status=error.status_code))

    graded = gettext("Graded %(name)s’s essay.") % {"name": attempt.user.display_name}
    if not request.htmx:
        messages.success(request, graded)
        return redirect("assessments:grading_queue", course_id=course.pk)
    next_attempt, next_question = selectors.next_essay_to_grade(course=course, after=attempt)
    context = _queue_context(request, course, attempt=next_attempt, question=next_question)
    context["just_graded"] = graded
    return personal(TemplateResponse(request, "assessments/trainer/grading_queue.html#grade-response", context))


# Attempt review and overrides ---------------------------------------------------------------------------------


def _attempt_context(attempt, course, *, errors=None, values=None) -> dict:
    comments = selectors.feedback_for_staff(attempt=attempt)
    # What each question's comment box holds: the saved comment, or what the trainer typed into a refused form.
    drafts = {question["id"]: comments.get(question["id"], "") for question in attempt.snapshot["questions"]}
    for question_id, posted in (values or {}).items():
        if question_id in drafts and isinstance(posted, dict) and posted.get("feedback") is not None:
            drafts[question_id] = posted["feedback"]
    return {
        "attempt": attempt,
        "course": course,
        "reviews": selectors.attempt_review(attempt=attempt, comments=comments),
        "overall_comment": comments.get("", ""),
        "drafts": drafts,
        "grade_changes": GradeChange.objects.filter(attempt=attempt).select_related("changed_by"),
        "errors": errors or {},
        "values": values or {},
    }


@require_GET
@login_required
def attempt_detail(request, attempt_id: int):
    attempt, course = _staff_attempt(request, attempt_id)
    template = partial_on_htmx(request, "assessments/trainer/attempt_detail.html", "attempt-body")
    return personal(TemplateResponse(request, template, _attempt_context(attempt, course)))


@require_POST
@login_required
def override_score(request, attempt_id: int):
    attempt, course = _staff_attempt(request, attempt_id)
    question_id = request.POST.get("question_id", "")
    values = {
        "score": request.POST.get("score", "").strip(),
        "reason": request.POST.get("reason", ""),
        "feedback": request.POST.get("feedback"),
    }
    template = partial_on_htmx(request, "assessments/trainer/attempt_detail.html", "attempt-body")
    try:
        attempt = services.grade_question(
            attempt=attempt,
            question_id=question_id,
            score=values["score"],
            reason=values["reason"],
            grader=request.user,
            feedback=values["feedback"],
        )
    except services.AssessmentError as error:
        context = _attempt_context(attempt, course, errors={question_id: str(error)}, values={question_id: values})
        return personal(TemplateResponse(request, template, context, status=error.status_code))
    if not request.htmx:
        messages.success(request, gettext("The score was changed."))
        return redirect("assessments:attempt", attempt_id=attempt.pk)
    context = _attempt_context(attempt, course)
    context["just_changed"] = question_id
    return personal(TemplateResponse(request, template, context))


@require_POST
@login_required
def attempt_feedback(request, attempt_id: int):
    """The trainer's comment for the learner on the whole attempt (with or without a change of score)."""
    attempt, course = _staff_attempt(request, attempt_id)
    text = request.POST.get("text", "")
    template = partial_on_htmx(request, "assessments/trainer/attempt_detail.html", "attempt-body")
    try:
        services.give_feedback(attempt=attempt, text=text, author=request.user)
    except services.AssessmentError as error:
        context = _attempt_context(attempt, course, errors={"overall": str(error)}, values={"overall": text})
        return personal(TemplateResponse(request, template, context, status=error.status_code))
    saved = gettext("Your feedback was saved.")
    if not request.htmx:
        messages.success(request, saved)
        return redirect("assessments:attempt", attempt_id=attempt.pk)
    context = _attempt_context(attempt, course)
    context["feedback_saved"] = saved
    return personal(TemplateResponse(request, template, context))


# Regrade ------------------------------------------------------------------------------------------------------


def _staff_assessment(request, assessment_id: int) -> AssessmentPage:
    assessment = get_object_or_404(AssessmentPage, pk=assessment_id)
    _check_staff(request, assessment.course)
    return assessment


@require_POST
@login_required
def regrade(request, assessment_id: int):
    assessment = _staff_assessment(request, assessment_id)
    tasks.set_regrade_progress(assessment.pk, done=0, total=0, changed=0, finished=False)
    tasks.regrade_assessment_task.delay_on_commit(assessment.pk, request.user.pk)
    if not request.htmx:
        return redirect("assessments:regrade_progress", assessment_id=assessment.pk)
    context = {"assessment": assessment, "progress": tasks.regrade_progress(assessment.pk)}
    return personal(TemplateResponse(request, "assessments/trainer/regrade_progress.html#regrade-progress", context))


@require_GET
@login_required
def regrade_progress(request, assessment_id: int):
    assessment = _staff_assessment(request, assessment_id)
    template = partial_on_htmx(request, "assessments/trainer/regrade_progress.html", "regrade-progress")
    context = {"assessment": assessment, "course": assessment.course, "progress": tasks.regrade_progress(assessment.pk)}
    return personal(TemplateResponse(request, template, context))


# Gradebook ----------------------------------------------------------------------------------------------------


@require_GET
@login_required
def gradebook(request, course_id: int):
    course = _staff_course(request, course_id)
    book = selectors.gradebook(course=course)
    regrades = [(assessment, tasks.regrade_progress(assessment.pk)) for assessment in book.assessments]
    context = {"course": course, "gradebook": book, "regrades": regrades}
    return personal(TemplateResponse(request, "assessments/trainer/gradebook.html", context))


def _gradebook_header(book: selectors.Gradebook) -> list[str]:
    # The summary columns say how they are worked out, as the page does, so the file explains itself.
    header = [
        gettext("Learner"),
        gettext("Email"),
        gettext("Lessons completed"),
        gettext("Lessons total"),
        gettext("Lessons % (completed of total, rounded down)"),
        gettext("Course progress % (lessons and required steps done, as the learner sees it)"),
        gettext("Assessment average % (mean of the best final score per assessment, equal weights; none yet = 0)"),
        gettext("Assessment average provisional (an essay waits for a grade)"),
    ]
    for assessment in book.assessments:
        header += [
            gettext("%(title)s best %%") % {"title": assessment.title},
            gettext("%(title)s last %%") % {"title": assessment.title},
            gettext("%(title)s status") % {"title": assessment.title},
        ]
    # Other apps' columns (a SCORM lesson's score) say their kind: they are not counted in the average.
    for column in book.extra_columns:
        header += [
            gettext("%(title)s (%(kind)s) %%") % {"title": column.title, "kind": column.kind},
            gettext("%(title)s (%(kind)s) status") % {"title": column.title, "kind": column.kind},
        ]
    return header


@require_GET
@login_required
def gradebook_csv(request, course_id: int):
    course = _staff_course(request, course_id)
    book = selectors.gradebook(course=course)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="gradebook-{course.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow([text_cell(cell) for cell in _gradebook_header(book)])
    yes, no = gettext("yes"), gettext("no")
    for row in book.rows:
        line: list[object] = [
            row.user.display_name,
            row.user.email,
            row.lessons_done,
            row.lessons_total,
            row.lessons_percent,
            row.progress_percent,
            row.assessment_average,
            "" if row.assessment_average is None else (yes if row.average_is_provisional else no),
        ]
        for cell in row.cells:
            line += [cell.best_percent, cell.last_percent, cell.status_label]
        for extra in row.extra_cells:
            line += [extra.percent, extra.label]
        writer.writerow([text_cell(cell) for cell in line])
    return personal(response)
