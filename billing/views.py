"""Buying a course (the checkout step with coupon and billing details, Checkout's return pages, Stripe's
webhook, the local simulator) and the learner's purchase history with the receipt of each paid order."""

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from courses.models import CoursePage
from learning import services as learning_services
from lms_site.files import private_file_response
from lms_site.htmx import personal, refuse, sign_in_first

from . import gateway, selectors, services
from . import simulator as payment_simulator
from .details import BILLING_FIELDS
from .forms import CheckoutForm
from .models import AutoRefund, OrderStatus

CHECKOUT = "billing/checkout.html"


def _cannot_buy(request, course):
    """The refusal to show before any checkout form, or None when the learner may buy the course."""
    if gateway.uses_simulator() and not settings.BILLING_SIMULATOR_ENABLED:
        message = _("Online payment is not available right now. Please try again later.")
        return refuse(request, message, status=503, back_url=course.url)
    try:
        services.check_can_buy(user=request.user, course=course)
    except (services.BillingError, learning_services.LearningError) as error:
        return refuse(request, str(error), status=error.status_code, back_url=course.url)
    return None


def _checkout_page(request, course, form, *, price, coupon_error="", status=200):
    # The billing part opens by itself when it holds something: saved or typed details, or their errors.
    billing_open = any(form[name].errors or form[name].value() for name in BILLING_FIELDS)
    context = {
        "course": course,
        "form": form,
        "price": price,
        # The service's refusal, or the form's own complaint about the code (too long, not one line).
        "coupon_error": coupon_error or next(iter(form["coupon_code"].errors), ""),
        "billing_open": billing_open,
    }
    template = CHECKOUT + "#coupon-summary" if request.htmx and request.method == "POST" else CHECKOUT
    return personal(TemplateResponse(request, template, context, status=status))


@require_http_methods(["GET", "POST"])
def checkout(request, course_id: int):
    """The step before Checkout: the price, a coupon code and optional billing details.

    A POST here only applies the coupon to show the price (the "Apply" button; htmx swaps the summary);
    paying is a POST to `buy`."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    if not request.user.is_authenticated:
        return sign_in_first(request, request.path)
    refused = _cannot_buy(request, course)
    if refused is not None:
        return refused
    base_price = services.Quote(price=course.price, currency=course.currency)
    if request.method == "GET":
        saved = selectors.saved_billing_details(user=request.user)
        form = CheckoutForm(initial={**saved.as_dict(), "remember": True})
        return _checkout_page(request, course, form, price=base_price)
    # Shown again as typed, without the billing part's errors: only the coupon was asked about.
    form = CheckoutForm(initial=_typed(request.POST))
    code = request.POST.get("coupon_code", "")[:64]
    try:
        price = services.quote(user=request.user, course=course, coupon_code=code)
    except services.CouponRefused as error:
        return _checkout_page(
            request, course, form, price=base_price, coupon_error=str(error), status=error.status_code
        )
    return _checkout_page(request, course, form, price=price)


def _typed(data) -> dict:
    typed = {name: data.get(name, "")[:200] for name in CheckoutForm.base_fields if name != "remember"}
    typed["remember"] = bool(data.get("remember"))
    return typed


@require_POST
def buy(request, course_id: int):
    """Starts Checkout for the course: from the checkout step's form, or (without it) at the full price with
    the billing details the learner saved."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    if not request.user.is_authenticated:
        return sign_in_first(request, course.url)
    refused = _cannot_buy(request, course)
    if refused is not None:
        return refused
    if "checkout_step" in request.POST:
        form = CheckoutForm(request.POST)
        if not form.is_valid():
            base_price = services.Quote(price=course.price, currency=course.currency)
            return _checkout_page(request, course, form, price=base_price, status=400)
        terms = {
            "coupon_code": form.cleaned_data["coupon_code"],
            "buyer": form.details(),
            "remember": form.cleaned_data["remember"],
        }
    else:
        form = None
        terms = {"buyer": selectors.saved_billing_details(user=request.user)}
    try:
        order = services.start_checkout(
            user=request.user, course=course, base_url=request.build_absolute_uri("/")[:-1], **terms
        )
    except services.CouponRefused as error:
        if form is None:
            return refuse(request, str(error), status=error.status_code, back_url=course.url)
        base_price = services.Quote(price=course.price, currency=course.currency)
        form.add_error("coupon_code", str(error))
        return _checkout_page(request, course, form, price=base_price, status=error.status_code)
    except (services.BillingError, learning_services.LearningError) as error:
        return refuse(request, str(error), status=error.status_code, back_url=course.url)
    return HttpResponseClientRedirect(order.checkout_url) if request.htmx else redirect(order.checkout_url)


@require_GET
def order_return(request, order_id: int):
    """Where Checkout sends the learner back: waits for the webhook's verdict, then opens the course."""
    order = selectors.owned_order(user=request.user, order_id=order_id)
    if order is None:
        raise Http404("No such order.")
    if order.status == OrderStatus.PAID and not order.auto_refund_reason:
        if order.course is None:  # a seat order
            messages.success(request, _("Payment received: your seats are ready to assign."))
        else:
            messages.success(request, _("Payment received: welcome to “%(title)s”!") % {"title": order.course.title})
        back = _back_url(order)
        return HttpResponseClientRedirect(back) if request.htmx else redirect(back)
    template = "billing/order_return.html#order-status" if request.htmx else "billing/order_return.html"
    context = {
        "order": order,
        "simulator_enabled": settings.BILLING_SIMULATOR_ENABLED and gateway.uses_simulator(),
        "refund_reason": AutoRefund(order.auto_refund_reason).label if order.auto_refund_reason else "",
        "back_url": _back_url(order),
    }
    return personal(TemplateResponse(request, template, context))


def _back_url(order) -> str:
    """Where the buyer goes after Checkout: the course, or for a seat order the page it was bought from."""
    if order.course is None:  # a seat order
        path = order.return_path
        return path if path.startswith("/") and not path.startswith("//") else "/"
    return order.course.url


@require_GET
def order_cancelled(request, order_id: int):
    order = selectors.owned_order(user=request.user, order_id=order_id)
    if order is None:
        raise Http404("No such order.")
    messages.info(request, _("Checkout cancelled: you were not charged."))
    return redirect(_back_url(order))


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
        elif order.status == OrderStatus.PAID and order.payment_intent_id:
            # As a refund made in Stripe's dashboard: only its charge.refunded event reaches the site.
            actions = {"refund": payment_simulator.refund}
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
def receipt_page(request, order_id: int):
    """The receipt as a page: the same facts as its PDF, which it links to."""
    order = selectors.receipt_order(user=request.user, order_id=order_id)
    if order is None:
        raise Http404("No receipt for this order.")
    from . import receipts  # brings ReportLab: imported on a receipt request, not when a web worker starts

    content = receipts.receipt_content(order)
    context = {
        "order": order,
        "receipt": content,
        "coupon": receipts.coupon_line(content),
        # Older orders: a discount the payment provider gave, without a coupon of ours.
        "provider_discount": content.price - content.charged if content.charged != content.price else None,
        "adjustments": receipts.adjustments(content),
    }
    return personal(TemplateResponse(request, "billing/receipt.html", context))


@require_GET
@login_required
def receipt(request, order_id: int):
    order = selectors.receipt_order(user=request.user, order_id=order_id)
    if order is None:  # not theirs, or never paid: either way there is no receipt to show them
        raise Http404("No receipt for this order.")
    from . import receipts

    try:
        return private_file_response(
            request,
            storage=receipts.receipt_storage(),
            name=services.stored_receipt(order=order),
            content_type="application/pdf",
            filename=receipts.receipt_filename(order),
        )
    except FileNotFoundError:  # replaced by a newer version between the check and the answer
        raise Http404("This receipt is being replaced; try again.") from None
