from django.urls import re_path

from lineage.api import views

urlpatterns = [
    re_path(r"^lineage/?$", views.OpenLineageEvents.as_view(), name="api-lineage-events"),
    re_path(r"^lineage/parse/?$", views.LineageParse.as_view(), name="api-lineage-parse"),
    re_path(r"^lineage/edges/?$", views.ManualEdges.as_view(), name="api-lineage-edges"),
    re_path(r"^lineage/path/?$", views.LineagePath.as_view(), name="api-lineage-path"),
    re_path(
        r"^lineage/impact/(?P<fqn>.+?)/?$", views.LineageImpact.as_view(), name="api-lineage-impact"
    ),
    re_path(r"^lineage/(?P<fqn>.+?)/?$", views.LineageGraph.as_view(), name="api-lineage"),
]
