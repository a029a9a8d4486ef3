from django.urls import path

from . import trainer_views, views

app_name = "learning"

urlpatterns = [
    # Learners
    path("", views.dashboard, name="dashboard"),
    path("courses/<id:course_id>/enrol/", views.enrol, name="enrol"),
    path("courses/<id:course_id>/leave/", views.leave, name="leave"),
    path("lessons/<id:lesson_id>/complete/", views.complete_lesson, name="complete_lesson"),
    # Trainers and admins
    path("teaching/", trainer_views.teaching, name="teaching"),
    path("courses/<id:course_id>/learners/", trainer_views.roster, name="roster"),
]
