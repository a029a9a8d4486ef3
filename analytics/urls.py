from django.urls import path

from . import export_views

app_name = "analytics"

urlpatterns = [
    path("exports/", export_views.export_start, name="export_start"),
    path("exports/<id:job_id>/", export_views.export_status, name="export_status"),
    path("exports/download/<str:token>/", export_views.export_download, name="export_download"),
]
