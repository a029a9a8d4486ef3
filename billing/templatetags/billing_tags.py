from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("billing/partials/payment_in_progress.html", takes_context=True)
def payment_in_progress(context, course):
    return {"order": selectors.payment_in_progress(user=context["request"].user, course=course)}


@register.inclusion_tag("billing/partials/buy_course.html")
def buy_course(course):
    """The course page's way into the checkout step, where coupons and billing details are entered."""
    return {"course": course}
