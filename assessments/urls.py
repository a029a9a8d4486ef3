from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("<id:assessment_id>/start/", views.start, name="start"),
    path("attempts/<id:attempt_id>/answer/", views.save_answer, name="save_answer"),
    path("attempts/<id:attempt_id>/submit/", views.submit, name="submit"),
]
