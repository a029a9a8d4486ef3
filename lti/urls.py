from django.urls import path

from . import views

app_name = "lti"

# Called by LTI platforms (and the JWKS by anyone): login initiation, launch, the tool's public keys.
urlpatterns = [
    path("login/", views.login_initiation, name="login"),
    path("launch/", views.launch, name="launch"),
    path("jwks/", views.jwks, name="jwks"),
    # For a teacher who came from a platform's deep-linking launch.
    path("deep-link/", views.deep_link, name="deep_link"),
]
