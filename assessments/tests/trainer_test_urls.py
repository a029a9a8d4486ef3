"""The site's URLs plus the trainer's assessment URLs, until lms_site/urls.py mounts them."""

from django.urls import include, path

from lms_site.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("assessments/", include("assessments.trainer_urls")), *site_urlpatterns]
