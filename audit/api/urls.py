"""Audit API routes under /api/v1/audit/ (events and verify are routed in custos.urls)."""

from django.urls import re_path

from audit.api import views

urlpatterns = [
    re_path(r"^exports/?$", views.ExportList.as_view(), name="api-audit-exports"),
    re_path(
        r"^exports/(?P<pk>[0-9a-f-]{36})/?$", views.ExportDetail.as_view(), name="api-audit-export"
    ),
    re_path(
        r"^exports/(?P<pk>[0-9a-f-]{36})/download/?$",
        views.ExportDownload.as_view(),
        name="api-audit-export-download",
    ),
    re_path(r"^reports/(?P<name>[a-z-]+)/?$", views.Report.as_view(), name="api-audit-report"),
    re_path(r"^keys/?$", views.Keys.as_view(), name="api-audit-keys"),
    re_path(r"^checkpoints/?$", views.Checkpoints.as_view(), name="api-audit-checkpoints"),
]
