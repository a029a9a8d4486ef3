from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from courses.models import CoursePage
from learning import selectors as learning_selectors
from lms_site.htmx import partial_on_htmx, personal

from . import selectors, services
from .models import Period, PointTotal, Visibility

VISIBILITY_MESSAGES = {
    Visibility.PUBLIC: _("Your name now shows on leaderboards."),
    Visibility.ANONYMOUS: _("You now appear on leaderboards as “Anonymous learner”."),
    Visibility.HIDDEN: _("You no longer appear on leaderboards. Your points and badges stay yours."),
}


@require_GET
@login_required
def leaderboard(request, course_id: int | None = None):
    course = None
    if course_id is not None:
        course = get_object_or_404(CoursePage, pk=course_id)
        enrollment = learning_selectors.enrollment_for(user=request.user, course=course)
        studying = enrollment is not None and enrollment.gives_access
        if not (studying or learning_selectors.is_course_staff(user=request.user, course=course)):
            raise PermissionDenied("Only the course's learners and trainers see its leaderboard.")
    period = request.GET.get("period")
    if period not in Period.values:
        period = Period.WEEK
    board = selectors.leaderboard(scope=course.pk if course else PointTotal.GLOBAL, period=period, viewer=request.user)
    context = {
        "course": course,
        "board_url": request.path,
        "period": period,
        "periods": Period.choices,
        "board": board,
        "my_courses": selectors.leaderboard_courses(user=request.user),
    }
    template = partial_on_htmx(request, "gamification/leaderboard.html", "board")
    return personal(TemplateResponse(request, template, context))


@require_POST
def toasts(request):
    """The points and badges earned since the learner last looked; 204 when there is nothing new."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    unseen = selectors.unseen_awards(user=request.user)
    if not unseen.toasts:
        return HttpResponse(status=204)
    services.mark_awards_seen(
        user=request.user, entry_id=unseen.last_entry_id, badge_award_id=unseen.last_badge_award_id
    )
    return personal(TemplateResponse(request, "gamification/partials/toasts.html", {"unseen": unseen}))


@require_POST
@login_required
def set_visibility(request):
    try:
        services.set_leaderboard_visibility(user=request.user, visibility=request.POST.get("visibility", ""))
    except services.GamificationError as error:
        messages.error(request, str(error))
        return redirect("accounts:profile")
    messages.success(request, VISIBILITY_MESSAGES[request.POST["visibility"]])
    return redirect("accounts:profile")
