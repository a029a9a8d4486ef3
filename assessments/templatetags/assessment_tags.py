import math
from decimal import Decimal, InvalidOperation

from django import template

from assessments import selectors

register = template.Library()


@register.filter
def plural_count(value) -> int:
    """The whole number that picks the plural form for a question's points, which are kept as text ("1.5").
    `{% blocktranslate count %}` needs a number, and gettext's plural rules take whole numbers only. A fraction
    ("0.5 points", "1.5 points") reads as a plural, so it counts as at least 2; text that is no number as 0."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return 0
    if not number.is_finite():
        return 0
    if number == number.to_integral_value():
        return int(number)
    return max(math.ceil(number), 2)


@register.inclusion_tag("assessments/partials/recent_grades.html", takes_context=True)
def recent_grades(context):
    """The learner's latest assessment results for the learning dashboard, with a line for each grade a trainer
    lately released or changed."""
    recent = selectors.recent_grades(user=context["request"].user)
    return {"grades": recent.grades, "news": recent.news}


@register.inclusion_tag("assessments/partials/grading_backlog.html")
def grading_backlog(courses):
    """The trainer home's essays to grade, per course of `courses`, with a link to each grading queue."""
    return {"backlog": selectors.grading_backlog(courses=courses)}
