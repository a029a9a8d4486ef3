from django.urls import path

from . import trainer_views as views

app_name = "assessments_trainer"

urlpatterns = [
    path("courses/<id:course_id>/grading/", views.grading_queue, name="grading_queue"),
    path("courses/<id:course_id>/gradebook/", views.gradebook, name="gradebook"),
    path("courses/<id:course_id>/gradebook.csv", views.gradebook_csv, name="gradebook_csv"),
    path("attempts/<id:attempt_id>/", views.attempt_detail, name="attempt"),
    path("attempts/<id:attempt_id>/grade-essay/", views.grade_essay, name="grade_essay"),
    path("attempts/<id:attempt_id>/override/", views.override_score, name="override_score"),
    path("assessments/<id:assessment_id>/regrade/", views.regrade, name="regrade"),
    path("assessments/<id:assessment_id>/regrade/progress/", views.regrade_progress, name="regrade_progress"),
]
