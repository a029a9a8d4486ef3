from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    # Learners, trainers and admins: their own tokens, from the profile page.
    path("tokens/create", views.create_token, name="create_token"),
    path("tokens/<id:token_id>/revoke", views.revoke_token, name="revoke_token"),
]
