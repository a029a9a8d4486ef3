from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("<int:assessment_id>/start/", views.start, name="start"),
    path("attempts/<int:attempt_id>/answer/", views.save_answer, name="save_answer"),
    path("attempts/<int:attempt_id>/submit/", views.submit, name="submit"),
]
