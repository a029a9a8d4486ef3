from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("verify/", views.verify_lookup, name="verify_lookup"),
    path("verify/<str:serial>.json", views.verify_json, name="verify_json"),
    path("verify/<str:serial>/", views.verify, name="verify"),
    path("download/<str:token>/", views.download, name="download"),
    path("enrollments/<id:enrollment_id>/panel/", views.panel, name="panel"),
    path("<id:certificate_id>/renew/", views.renew, name="renew"),
    # Open Badges 3.0: the issuer's profile and key, each certificate as a signed credential, and a checker.
    path("issuer/", views.issuer, name="issuer"),
    path("download/<str:token>/badge.json", views.badge, name="badge"),
    path("badge/verify/", views.badge_verify, name="badge_verify"),
]
