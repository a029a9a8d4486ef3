from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from courses.models import CoursePage, LessonPage
from home.selectors import site_for_request
from lms_site.htmx import partial_on_htmx, personal, refuse, sign_in_first
from lms_site.translated_pages import in_language

from . import selectors, services


def _error(request, error: services.LearningError, *, back_url: str):
    return refuse(request, str(error), status=error.status_code, back_url=back_url, target="learning-error")


def lesson_player(request, *, lesson: LessonPage):
    """Serves a lesson page (called from LessonPage.serve)."""
    wants_preview = request.GET.get(selectors.PREVIEW_PARAMETER) == "1"
    player = selectors.lesson_player(user=request.user, lesson=lesson, preview=wants_preview)
    if player.access.can_read and player.is_enrolled and player.enrollment is not None:
        services.record_visit(enrollment=player.enrollment, lesson=lesson)
    status = 403 if player.access.reason == "not_enrolled" else 200
    template = partial_on_htmx(request, "learning/lesson_player.html", "lesson-swap")
    body = selectors.lesson_body(lesson=lesson) if player.access.can_read else []
    context = {"page": lesson, "player": player, "swap": "#" in template, "body": body}
    response = TemplateResponse(request, template, context, status=status)
    return personal(response)


@require_POST
def complete_lesson(request, lesson_id: int):
    # Pages in the reader's language, as they were read (lms_site/translated_pages.py).
    lesson = in_language(get_object_or_404(LessonPage.objects.live(), pk=lesson_id))
    if not request.user.is_authenticated:
        return sign_in_first(request, lesson.url)
    enrollment = selectors.enrollment_for(user=request.user, course=lesson.course)
    try:
        if enrollment is None:
            raise services.NotEnrolled(_("Enrol in this course to record your progress."))
        result = services.complete_lesson(enrollment=enrollment, lesson=lesson)
    except services.LearningError as error:
        return _error(request, error, back_url=lesson.url)

    if not request.htmx:
        if result.course_newly_completed:
            messages.success(
                request, _("You completed “%(course)s”. Well done!") % {"course": in_language(lesson.course).title}
            )
        return redirect(lesson.url)
    player = selectors.lesson_player(user=request.user, lesson=lesson)
    context = {"page": lesson, "player": player, "just_completed": result}
    response = TemplateResponse(request, "learning/lesson_player.html#completion-response", context)
    # Lets the page ask whether the completion earned anything (points, a badge) without a reload.
    return personal(trigger_client_event(response, "lms:progress"))


@require_POST
def enrol(request, course_id: int):
    course = in_language(get_object_or_404(CoursePage.objects.live(), pk=course_id))
    if not request.user.is_authenticated:
        return sign_in_first(request, course.url)
    try:
        enrollment = services.enroll(user=request.user, course=course)
    except services.LearningError as error:
        return _error(request, error, back_url=course.url)
    messages.success(request, _("You are enrolled in “%(course)s”. Enjoy the course!") % {"course": course.title})
    destination = enrollment.last_lesson.url if enrollment.last_lesson else course.url
    return HttpResponseClientRedirect(destination) if request.htmx else redirect(destination)


@require_POST
@login_required
def leave(request, course_id: int):
    course = in_language(get_object_or_404(CoursePage, pk=course_id))
    enrollment = selectors.enrollment_for(user=request.user, course=course)
    try:
        if enrollment is None:
            raise services.NotEnrolled(_("You are not enrolled in this course."))
        services.leave_course(enrollment=enrollment)
    except services.LearningError as error:
        return _error(request, error, back_url=course.url)
    messages.info(
        request, _("You left “%(course)s”. Your progress is kept if you enrol again.") % {"course": course.title}
    )
    return redirect("learning:dashboard")


@require_GET
@login_required
def dashboard(request):
    dashboard = selectors.learner_dashboard(user=request.user)
    site_for_request(request)  # every card links to a page: the site they are found under, from the cache
    context = {"active": dashboard.active, "completed": dashboard.completed, "suggestions": dashboard.suggestions}
    return personal(TemplateResponse(request, "learning/dashboard.html", context))
