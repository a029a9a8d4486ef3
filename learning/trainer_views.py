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
    """The trainer home: what needs the trainer in their courses (essays, sessions, inactive learners), and
    each course's pages. The essays and sessions come from the assessments and scheduling apps' template tags."""
    if not (request.user.is_superuser or request.user.is_trainer):
        raise PermissionDenied("Only trainers and admins have a teaching overview.")
    home = selectors.trainer_home(user=request.user)
    return personal(TemplateResponse(request, "learning/teaching.html", {"home": home, "courses": home.courses}))


@require_GET
@login_required
def roster(request, course_id: int):
    course = get_object_or_404(CoursePage, pk=course_id)
    if not selectors.is_course_staff(user=request.user, course=course):
        raise PermissionDenied("Only the course's trainer and admins see its learners.")
    inactive_only = request.GET.get("show") == "inactive"
    page_obj, sort = selectors.course_roster(
        course=course, sort=request.GET.get("sort", "name"), page=request.GET.get("page"), inactive_only=inactive_only
    )
    template = partial_on_htmx(request, "learning/roster.html", "roster-table")
    context = {
        "course": course,
        "page_obj": page_obj,
        "sort": sort,
        "inactive_only": inactive_only,
        "inactive_after_days": selectors.INACTIVE_AFTER.days,
        "querystring": f"sort={sort}&show=inactive" if inactive_only else f"sort={sort}",
    }
    return personal(TemplateResponse(request, template, context))
