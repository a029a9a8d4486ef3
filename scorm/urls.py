from django.urls import path

from . import views

app_name = "scorm"

urlpatterns = [
    # Learners (and the course's staff): a package's files, and the run-time data of their session.
    path("<id:package_id>/<id:lesson_id>/content/<path:path>", views.content, name="content"),
    path("<id:package_id>/<id:lesson_id>/state/", views.state, name="state"),
]
