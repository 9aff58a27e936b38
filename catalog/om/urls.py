"""URLs of the OpenMetadata compatibility app (included once from ``custos/urls.py``)."""

from django.urls import re_path

from catalog.om import api, views

urlpatterns = [
    re_path(r"^om/api/v1/(?P<path>.*)$", api.OmApi.as_view(), name="om-api"),
    re_path(r"^api/v1/om/export/?$", views.ExportView.as_view(), name="api-om-export"),
    re_path(r"^api/v1/om/import/?$", views.ImportView.as_view(), name="api-om-import"),
    re_path(
        r"^api/v1/sources/(?P<name>[-\w]+)/om-ingest/?$",
        views.SourceOmIngest.as_view(),
        name="api-source-om-ingest",
    ),
    re_path(
        r"^sources/(?P<name>[-\w]+)/om-ingest/$", views.source_om_ingest, name="source-om-ingest"
    ),
]
