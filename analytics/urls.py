from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("exports/", views.export_start, name="export_start"),
    path("exports/<id:job_id>/", views.export_status, name="export_status"),
    path("exports/download/<str:token>/", views.export_download, name="export_download"),
]
