from django.urls import path

from . import trainer_views, views

app_name = "assessments"

urlpatterns = [
    # Learners
    path("<id:assessment_id>/start/", views.start, name="start"),
    path("attempts/<id:attempt_id>/answer/", views.save_answer, name="save_answer"),
    path("attempts/<id:attempt_id>/submit/", views.submit, name="submit"),
    path("attempts/<id:attempt_id>/result/", views.attempt_result, name="result"),
    # Trainers and admins
    path("courses/<id:course_id>/grading/", trainer_views.grading_queue, name="grading_queue"),
    path("courses/<id:course_id>/gradebook/", trainer_views.gradebook, name="gradebook"),
    path("courses/<id:course_id>/gradebook.csv", trainer_views.gradebook_csv, name="gradebook_csv"),
    path("attempts/<id:attempt_id>/", trainer_views.attempt_detail, name="attempt"),
    path("attempts/<id:attempt_id>/grade-essay/", trainer_views.grade_essay, name="grade_essay"),
    path("attempts/<id:attempt_id>/override/", trainer_views.override_score, name="override_score"),
    path("attempts/<id:attempt_id>/feedback/", trainer_views.attempt_feedback, name="attempt_feedback"),
    path("assessments/<id:assessment_id>/regrade/", trainer_views.regrade, name="regrade"),
    path("assessments/<id:assessment_id>/regrade/progress/", trainer_views.regrade_progress, name="regrade_progress"),
]
