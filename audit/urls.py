from django.urls import path

from audit import views

urlpatterns = [
    path("", views.log, name="audit-log"),
    path("verify/", views.verify, name="audit-verify"),
    path("exports/", views.export_list, name="audit-exports"),
    path("exports/<uuid:pk>/", views.export_detail, name="audit-export"),
    path("exports/<uuid:pk>/download/", views.export_download, name="audit-export-download"),
    path("reports/<slug:name>/", views.report, name="audit-report"),
]
