from django.urls import path

from . import views

app_name = "media_pipeline"

urlpatterns = [
    path("stream/<str:token>/", views.stream, name="stream"),
    path("progress/<id:lesson_id>/", views.watch_progress, name="progress"),
]
