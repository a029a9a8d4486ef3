from django.urls import path

from . import views

app_name = "gamification"

urlpatterns = [
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("leaderboard/course/<id:course_id>/", views.leaderboard, name="course_leaderboard"),
    path("toasts/", views.toasts, name="toasts"),
    path("visibility/", views.set_visibility, name="visibility"),
]
