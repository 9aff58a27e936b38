"""Access API routes (included before the catalog routes: ``tables/{fqn}/preview``)."""

from django.urls import re_path

from access.api import policy_views, query_views, request_views

_KIND = r"(?P<kind>rule|masking|row_filter)"

urlpatterns = [
    re_path(r"^query/export/?$", query_views.QueryExport.as_view(), name="api-query-export"),
    re_path(r"^query/?$", query_views.QueryView.as_view(), name="api-query"),
    re_path(
        r"^tables/(?P<fqn>.+)/preview/?$",
        query_views.TablePreview.as_view(),
        name="api-table-preview",
    ),
    re_path(
        r"^access-requests/?$", request_views.RequestList.as_view(), name="api-access-requests"
    ),
    re_path(
        r"^access-requests/(?P<pk>\d+)/?$",
        request_views.RequestDetail.as_view(),
        name="api-access-request",
    ),
    re_path(
        r"^access-requests/(?P<pk>\d+)/approve/?$",
        request_views.RequestApprove.as_view(),
        name="api-access-request-approve",
    ),
    re_path(
        r"^access-requests/(?P<pk>\d+)/deny/?$",
        request_views.RequestDeny.as_view(),
        name="api-access-request-deny",
    ),
    re_path(
        r"^access-requests/(?P<pk>\d+)/revoke/?$",
        request_views.RequestRevoke.as_view(),
        name="api-access-request-revoke",
    ),
    re_path(r"^access/grants/?$", request_views.GrantList.as_view(), name="api-grants"),
    re_path(
        r"^access/grants/(?P<pk>\d+)/revoke/?$",
        request_views.GrantRevoke.as_view(),
        name="api-grant-revoke",
    ),
    re_path(
        r"^access/notifications/?$",
        request_views.NotificationList.as_view(),
        name="api-notifications",
    ),
    re_path(r"^access/simulate/?$", policy_views.Simulate.as_view(), name="api-access-simulate"),
    re_path(
        r"^access/masked-views/?$", policy_views.MaskedViews.as_view(), name="api-masked-views"
    ),
    re_path(r"^access/policies/test/?$", policy_views.PolicyTest.as_view(), name="api-policy-test"),
    re_path(
        rf"^access/policies/{_KIND}/?$", policy_views.PolicyList.as_view(), name="api-policies"
    ),
    re_path(
        rf"^access/policies/{_KIND}/(?P<pk>\d+)/?$",
        policy_views.PolicyDetail.as_view(),
        name="api-policy",
    ),
    re_path(
        rf"^access/policies/{_KIND}/(?P<pk>\d+)/versions/?$",
        policy_views.PolicyVersions.as_view(),
        name="api-policy-versions",
    ),
    re_path(
        r"^access/users/(?P<username>[\w.@+-]+)/attributes/?$",
        policy_views.UserAttributes.as_view(),
        name="api-user-attributes",
    ),
]
