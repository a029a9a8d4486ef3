"""Buying a course (checkout, its return pages, Stripe's webhook, the local simulator) and the learner's
purchase history with the PDF receipt of each paid order."""

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from courses.models import CoursePage
from learning import services as learning_services
from lms_site.htmx import personal, refuse, sign_in_first

from . import gateway, receipts, selectors, services
from . import simulator as payment_simulator
from .models import OrderStatus


@require_POST
def buy(request, course_id: int):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    if not request.user.is_authenticated:
        return sign_in_first(request, course.url)
    if gateway.uses_simulator() and not settings.BILLING_SIMULATOR_ENABLED:
        message = "Online payment is not available right now. Please try again later."
        return refuse(request, message, status=503, back_url=course.url)
    try:
        order = services.start_checkout(user=request.user, course=course, base_url=request.build_absolute_uri("/")[:-1])
    except (services.BillingError, learning_services.LearningError) as error:
        return refuse(request, str(error), status=error.status_code, back_url=course.url)
    return HttpResponseClientRedirect(order.checkout_url) if request.htmx else redirect(order.checkout_url)


@require_GET
def order_return(request, order_id: int):
    """Where Checkout sends the learner back: waits for the webhook's verdict, then opens the course."""
    order = selectors.owned_order(user=request.user, order_id=order_id)
    if order is None:
        raise Http404("No such order.")
    if order.status == OrderStatus.PAID:
        messages.success(request, f"Payment received: welcome to “{order.course.title}”!")
        return HttpResponseClientRedirect(order.course.url) if request.htmx else redirect(order.course.url)
    template = "billing/order_return.html#order-status" if request.htmx else "billing/order_return.html"
    context = {"order": order, "simulator_enabled": settings.BILLING_SIMULATOR_ENABLED and gateway.uses_simulator()}
    return personal(TemplateResponse(request, template, context))


@require_GET
def order_cancelled(request, order_id: int):
    order = selectors.owned_order(user=request.user, order_id=order_id)
    if order is None:
        raise Http404("No such order.")
    messages.info(request, "Checkout cancelled: you were not charged.")
    return redirect(order.course.url)


@csrf_exempt  # Stripe cannot send a CSRF token; the signature check replaces it
@require_POST
def stripe_webhook(request):
    try:
        outcome = services.receive_webhook(payload=request.body, signature=request.headers.get("Stripe-Signature"))
    except services.InvalidWebhook as error:
        return HttpResponse(str(error), status=400, content_type="text/plain")
    return HttpResponse(outcome, content_type="text/plain")


@require_http_methods(["GET", "POST"])
def simulator(request, order_id: int):
    """The local stand-in for Stripe's hosted Checkout page (development only)."""
    if not settings.BILLING_SIMULATOR_ENABLED:
        raise Http404("The payment simulator is off.")
    order = selectors.owned_order(user=request.user, order_id=order_id)
    if order is None:
        raise Http404("No such order.")
    if request.method == "POST":
        outcome = request.POST.get("outcome")
        if order.status == OrderStatus.PENDING:
            if outcome == "cancel":
                return redirect("billing:order_cancelled", order_id=order.pk)
            actions = {
                "pay": payment_simulator.pay,
                "bank_transfer": payment_simulator.start_bank_transfer,
                "expire": payment_simulator.expire,
            }
        elif order.status == OrderStatus.PROCESSING:
            actions = {
                "bank_confirms": partial(payment_simulator.settle_bank_transfer, succeeds=True),
                "bank_rejects": partial(payment_simulator.settle_bank_transfer, succeeds=False),
            }
        else:
            actions = {}
        if outcome in actions:
            actions[outcome](order=order)
        return redirect("billing:order_return", order_id=order.pk)
    return personal(TemplateResponse(request, "billing/simulator.html", {"order": order}))


@require_GET
@login_required
def purchases(request):
    orders = list(selectors.purchase_history(user=request.user))
    return personal(TemplateResponse(request, "billing/purchases.html", {"orders": orders}))


@require_GET
@login_required
def receipt(request, order_id: int):
    order = selectors.receipt_order(user=request.user, order_id=order_id)
    if order is None:  # not theirs, or never paid: either way there is no receipt to show them
        raise Http404("No receipt for this order.")
    response = HttpResponse(receipts.receipt_pdf(order=order), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipts.receipt_filename(order)}"'
    patch_cache_control(response, private=True, no_store=True)
    return response
