"""The trainer's side of learning: the courses they teach and each course's learners."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from courses.models import CoursePage
from lms_site.htmx import partial_on_htmx, personal

from . import selectors


@require_GET
@login_required
def teaching(request):
    if not (request.user.is_superuser or request.user.is_trainer):
        raise PermissionDenied("Only trainers and admins have a teaching overview.")
    courses = selectors.taught_courses(user=request.user)
    return personal(TemplateResponse(request, "learning/teaching.html", {"courses": courses}))


@require_GET
@login_required
def roster(request, course_id: int):
    course = get_object_or_404(CoursePage, pk=course_id)
    if not selectors.is_course_staff(user=request.user, course=course):
        raise PermissionDenied("Only the course's trainer and admins see its learners.")
    page_obj, sort = selectors.course_roster(
        course=course, sort=request.GET.get("sort", "name"), page=request.GET.get("page")
    )
    template = partial_on_htmx(request, "learning/roster.html", "roster-table")
    context = {"course": course, "page_obj": page_obj, "sort": sort, "querystring": f"sort={sort}"}
    return personal(TemplateResponse(request, template, context))
