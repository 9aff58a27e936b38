from typing import Any

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from access.api import views as access_api
from audit.api import views as audit_api
from custos import views as core_views
from custos.metrics import metrics_view

api_v1: list[Any] = [
    path("", include("access.api.urls")),  # access (issue 7): before catalog (tables/{fqn}/preview)
    path("", include("catalog.api.urls")),
    path("", include("lineage.api.urls")),
    path("", include("gdpr.api.urls")),  # GDPR (issue 9): before privacy.api.urls
    path("", include("privacy.api.urls")),
    re_path(r"^tokens/?$", access_api.TokenList.as_view(), name="api-tokens"),
    re_path(r"^tokens/(?P<pk>\d+)/?$", access_api.TokenDetail.as_view(), name="api-token"),
    re_path(r"^me/?$", access_api.Me.as_view(), name="api-me"),
    re_path(r"^audit/events/?$", audit_api.EventList.as_view(), name="api-audit-events"),
    re_path(r"^audit/verify/?$", audit_api.Verify.as_view(), name="api-audit-verify"),
    path("audit/", include("audit.api.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("", include("catalog.om.urls")),  # /om/api/v1/... (OpenMetadata), /api/v1/om/...
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    # the admin signs in through Custos' own form (throttling, second factor)
    path("admin/login/", RedirectView.as_view(url="/login/", query_string=True)),
    path("admin/", admin.site.urls),
    path("", include("privacy.urls")),
    path("audit/", include("audit.urls")),
    path("", include("access.urls")),  # access UI (issue 7): /query/, /access/...
    path("", include("gdpr.urls")),  # GDPR UI (issue 9): /privacy/requests/...
    path("", include("catalog.urls")),
    re_path(r"^api/.*$", core_views.api_not_found),
]

handler404 = "custos.views.not_found"
handler500 = "custos.views.server_error"
