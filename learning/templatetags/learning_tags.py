from django import template

from learning import selectors

register = template.Library()


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
