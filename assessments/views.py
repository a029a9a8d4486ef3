"""Learner-facing assessment views. Everything a learner's page shows comes from selectors.assessment_context,
the one gate that decides whether a key or explanation may be shown (never while one of their attempts is open);
the answer and submit responses carry no question content at all."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from lms_site.htmx import personal
from lms_site.translated_pages import in_language

from . import selectors, services
from .models import AssessmentPage, Attempt


def assessment_page(request, *, assessment: AssessmentPage):
    """Serves an assessment page (called from AssessmentPage.serve): overview, the open attempt, or results."""
    if request.user.is_authenticated:
        # Time that ran out while the learner was away: the attempt counts as it stood.
        services.submit_expired_attempts(user=request.user, assessment=assessment)
    context = selectors.assessment_context(
        user=request.user, assessment=assessment, question_index=request.GET.get("q")
    )
    template = "assessments/assessment_page.html"
    if request.htmx and not request.htmx.history_restore_request and context["attempt"]:
        template += "#attempt-questions"
    status = 403 if context["refusal"] and not context["attempts"] else 200
    return personal(TemplateResponse(request, template, {"page": assessment, **context}, status=status))


@require_POST
def start(request, assessment_id: int):
    # In the reader's language: the attempt keeps the questions as they read them (same ids and keys).
    assessment = in_language(get_object_or_404(AssessmentPage.objects.live(), pk=assessment_id))
    if not request.user.is_authenticated:
        return redirect_to_login(assessment.url)
    try:
        services.start_attempt(user=request.user, assessment=assessment)
    except services.AssessmentError as error:
        messages.error(request, str(error))
        response = redirect(assessment.url)
        response.status_code = 303
        return response
    return HttpResponseClientRedirect(assessment.url) if request.htmx else redirect(assessment.url)


def _own_attempt(request, attempt_id: int) -> Attempt:
    if not request.user.is_authenticated:
        raise Http404
    # Someone else's attempt is simply not found: its existence is not theirs to learn.
    return get_object_or_404(Attempt.objects.select_related("assessment"), pk=attempt_id, user=request.user)


@require_POST
def save_answer(request, attempt_id: int):
    attempt = _own_attempt(request, attempt_id)
    question_id = request.POST.get("question_id", "")
    question = attempt.question(question_id)
    answer = None
    if question is not None:
        answer = request.POST.getlist("answer") if question["type"] == "multiple_choice" else request.POST.get("answer")
    try:
        services.save_answer(attempt=attempt, question_id=question_id, answer=answer)
    except services.TimeUp as error:
        messages.warning(request, str(error))
        return HttpResponseClientRedirect(attempt.assessment.url) if request.htmx else redirect(attempt.assessment.url)
    except services.AssessmentError as error:
        if request.htmx:
            context = {"message": str(error), "question_id": question_id}
            return TemplateResponse(request, "assessments/partials/save_status.html", context, status=error.status_code)
        messages.error(request, str(error))
        return redirect(attempt.assessment.url)
    if request.htmx:
        return TemplateResponse(
            request, "assessments/partials/save_status.html", {"question_id": question_id, "saved": True}
        )
    next_index = request.POST.get("next")
    return redirect(f"{attempt.assessment.url}?q={next_index}" if next_index else attempt.assessment.url)


@require_GET
def attempt_result(request, attempt_id: int):
    """One of the learner's own submitted attempts: the score once it is final, and the trainer's feedback."""
    attempt = _own_attempt(request, attempt_id)
    if attempt.is_open:
        return redirect(attempt.assessment.url)
    context = {"assessment": attempt.assessment, "result": selectors.attempt_result(attempt=attempt)}
    return personal(TemplateResponse(request, "assessments/result_page.html", context))


@require_POST
def submit(request, attempt_id: int):
    attempt = _own_attempt(request, attempt_id)
    attempt = services.submit_attempt(attempt=attempt)
    if attempt.pending_manual:
        messages.info(request, gettext("Submitted. A trainer will grade your written answers; your result follows."))
    elif attempt.passed:
        messages.success(request, gettext("Submitted: %(percent)s%%. You passed!") % {"percent": attempt.percent})
    else:
        messages.info(
            request,
            gettext("Submitted: %(percent)s%%. The pass mark is %(pass_mark)s%%.")
            % {"percent": attempt.percent, "pass_mark": attempt.assessment.pass_mark},
        )
    return HttpResponseClientRedirect(attempt.assessment.url) if request.htmx else redirect(attempt.assessment.url)
