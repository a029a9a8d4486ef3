from django import template
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import get_language

from learning import selectors

register = template.Library()

# Outline entries of the lesson player, rendered once per process for each state they are shown in. A 200-lesson
# outline is most of the player's rendering time, and an entry looks the same for every learner in the same
# state (done, current, locked until a date, ...). Kept under the outline's generation, which any page change
# renews, so a renamed or moved lesson is rendered anew; the dict is simply emptied when it grows too big.
_ENTRIES: dict[tuple, str] = {}
ENTRIES_KEPT = 20_000


@register.simple_tag(takes_context=True)
def outline_entry(context, item):
    """One entry of the player's outline (the `outline-item` partial), from the process's memo when it can be."""
    player, request = context["player"], context["request"]
    access = item.access
    # What is the same for every entry of this render, worked out once: 200 entries asked each time otherwise.
    shared = context.render_context.get(outline_entry)
    if shared is None:
        shared = context.render_context[outline_entry] = (
            player.outline_generation,
            request.get_host(),  # {% pageurl %} answers a path on the page's own site, a full URL elsewhere
            get_language(),
            timezone.get_current_timezone_name(),  # "Opens <date>" is the learner's date
            player.link_query,
            player.is_enrolled,
        )
    key = (
        shared,
        item.lesson.pk,
        item.kind,
        item.number,
        item.is_done,
        item.is_current,
        (access.reason, access.can_read, access.opens_at) if access else None,
    )
    html = _ENTRIES.get(key) if player.outline_generation else None
    if html is None:
        partial = get_template("learning/lesson_player.html#outline-item").template
        html = partial.render(template.Context({"item": item, "player": player, "request": request}))
        if player.outline_generation:
            if len(_ENTRIES) >= ENTRIES_KEPT:
                _ENTRIES.clear()
            _ENTRIES[key] = html
    return html


@register.inclusion_tag("learning/partials/course_cta.html", takes_context=True)
def course_call_to_action(context, course):
    """The enrol / buy / continue panel of a course page, for the person looking at it."""
    user = context["request"].user
    enrollment = selectors.enrollment_for(user=user, course=course)
    studying = enrollment is not None and enrollment.gives_access
    is_staff = selectors.is_course_staff(user=user, course=course)
    return {
        "request": context["request"],
        "user": user,
        "course": course,
        "enrollment": enrollment if studying else None,
        "missing_prerequisites": [] if studying else selectors.missing_prerequisites(user=user, course=course),
        "is_staff": is_staff,
        # Where staff start a preview of the course as a learner sees it.
        "first_lesson": selectors.first_lesson(course=course) if is_staff else None,
        "preview_parameter": selectors.PREVIEW_PARAMETER,
    }


@register.simple_tag(takes_context=True)
def outline_with_steps(context, course, outline):
    """The course page's outline (courses.selectors.course_outline) with the steps other apps register in
    learning.requirements, such as assessments, in their place: courses knows nothing of those apps."""
    return selectors.outline_with_steps(course=course, outline=outline, user=context["request"].user)
