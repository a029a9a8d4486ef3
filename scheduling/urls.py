from django.urls import path

from . import trainer_views, views

app_name = "scheduling"

urlpatterns = [
    # Learners
    path("sessions/<id:session_id>/", views.session_detail, name="session"),
    path("sessions/<id:session_id>/book/", views.book, name="book"),
    path("sessions/<id:session_id>/cancel-booking/", views.cancel_booking, name="cancel_booking"),
    path("sessions/<id:session_id>/check-in/", views.check_in, name="check_in"),
    path("sessions/<id:session_id>/session.ics", views.session_ics, name="session_ics"),
    path("feed/<str:token>.ics", views.calendar_feed, name="feed"),
    path("feed/reset/", views.reset_feed, name="reset_feed"),
    # Trainers and admins
    path("sessions/<id:session_id>/roster/", trainer_views.roster, name="roster"),
    path("sessions/<id:session_id>/roster/<id:user_id>/", trainer_views.mark, name="mark"),
    path("sessions/<id:session_id>/roster/all-present/", trainer_views.mark_all, name="mark_all"),
    path("sessions/<id:session_id>/code/", trainer_views.check_in_code, name="check_in_code"),
    path("courses/<id:course_id>/attendance/", trainer_views.attendance_report, name="attendance_report"),
    path("courses/<id:course_id>/attendance.csv", trainer_views.attendance_csv, name="attendance_csv"),
]
