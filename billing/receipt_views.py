"""The learner's purchase history and the PDF receipt of each paid order."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from lms_site.htmx import personal

from . import receipts, selectors


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
