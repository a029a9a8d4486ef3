from django.urls import path

from . import views

app_name = "learning"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("teaching/", views.teaching, name="teaching"),
    path("courses/<id:course_id>/enrol/", views.enrol, name="enrol"),
    path("courses/<id:course_id>/leave/", views.leave, name="leave"),
    path("courses/<id:course_id>/learners/", views.roster, name="roster"),
    path("lessons/<id:lesson_id>/complete/", views.complete_lesson, name="complete_lesson"),
]
