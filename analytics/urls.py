from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("exports/download/<str:token>/", views.export_download, name="export_download"),
]
