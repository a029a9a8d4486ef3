from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("courses/<id:course_id>/checkout/", views.checkout, name="checkout"),
    path("courses/<id:course_id>/buy/", views.buy, name="buy"),
    path("orders/<id:order_id>/return/", views.order_return, name="order_return"),
    path("orders/<id:order_id>/cancelled/", views.order_cancelled, name="order_cancelled"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("simulator/<id:order_id>/", views.simulator, name="simulator"),
    path("purchases/", views.purchases, name="purchases"),
    path("orders/<id:order_id>/receipt/", views.receipt_page, name="receipt_page"),
    path("orders/<id:order_id>/receipt.pdf", views.receipt, name="receipt"),
]
