from django.urls import re_path

from catalog.api import views

urlpatterns = [
    re_path(r"^search/?$", views.SearchView.as_view(), name="api-search"),
    re_path(r"^sources/?$", views.SourceList.as_view(), name="api-sources"),
    re_path(
        r"^sources/(?P<name>[-\w]+)/ingest/?$",
        views.SourceIngest.as_view(),
        name="api-source-ingest",
    ),
    re_path(r"^sources/(?P<name>[-\w]+)/?$", views.SourceDetail.as_view(), name="api-source"),
    re_path(r"^ingestion-runs/(?P<pk>\d+)/?$", views.RunDetail.as_view(), name="api-run"),
    re_path(r"^tables/(?P<fqn>.+)/drift/?$", views.TableDrift.as_view(), name="api-table-drift"),
    re_path(r"^tables/(?P<fqn>.+?)/?$", views.TableDetail.as_view(), name="api-table"),
    re_path(r"^columns/(?P<fqn>.+?)/?$", views.ColumnDetail.as_view(), name="api-column"),
    re_path(
        r"^assets/(?P<fqn>.+)/tags/(?P<tag>[^/]+)/?$",  # any tag name: unknown ones are 404
        views.AssetTagDetail.as_view(),
        name="api-asset-tag",
    ),
    re_path(r"^assets/(?P<fqn>.+)/tags/?$", views.AssetTags.as_view(), name="api-asset-tags"),
    re_path(r"^assets/(?P<fqn>.+)/owners/?$", views.AssetOwners.as_view(), name="api-asset-owners"),
    re_path(r"^assets/(?P<fqn>.+?)/?$", views.AssetDetail.as_view(), name="api-asset"),
    re_path(r"^owners/(?P<pk>\d+)/?$", views.OwnershipDetail.as_view(), name="api-owner"),
    re_path(r"^glossary/terms/?$", views.TermList.as_view(), name="api-terms"),
    re_path(
        r"^glossary/terms/(?P<pk>\d+)/assets/(?P<fqn>.+?)/?$",
        views.TermAssetDetail.as_view(),
        name="api-term-asset",
    ),
    re_path(
        r"^glossary/terms/(?P<pk>\d+)/assets/?$", views.TermAssets.as_view(), name="api-term-assets"
    ),
    re_path(r"^glossary/terms/(?P<pk>\d+)/?$", views.TermDetail.as_view(), name="api-term"),
]
