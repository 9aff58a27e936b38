from django.urls import re_path

from gdpr.api import views

_R = r"^privacy/erasure-requests/(?P<pk>\d+)"

urlpatterns = [
    re_path(r"^privacy/erasure-requests/?$", views.RequestList.as_view(), name="api-gdpr-requests"),
    re_path(_R + r"/?$", views.RequestDetail.as_view(), name="api-gdpr-request"),
    re_path(_R + r"/plan/?$", views.RequestPlan.as_view(), name="api-gdpr-plan"),
    re_path(_R + r"/approve/?$", views.RequestApprove.as_view(), name="api-gdpr-approve"),
    re_path(_R + r"/execute/?$", views.RequestExecute.as_view(), name="api-gdpr-execute"),
    re_path(_R + r"/verify/?$", views.RequestVerify.as_view(), name="api-gdpr-verify"),
    re_path(_R + r"/evidence/?$", views.RequestEvidence.as_view(), name="api-gdpr-evidence"),
    re_path(_R + r"/export/?$", views.RequestExport.as_view(), name="api-gdpr-export"),
    re_path(_R + r"/close/?$", views.RequestClose.as_view(), name="api-gdpr-close"),
    re_path(_R + r"/reject/?$", views.RequestReject.as_view(), name="api-gdpr-reject"),
    re_path(r"^privacy/legal-holds/?$", views.HoldList.as_view(), name="api-gdpr-holds"),
    re_path(
        r"^privacy/legal-holds/(?P<pk>\d+)/release/?$",
        views.HoldRelease.as_view(),
        name="api-gdpr-hold-release",
    ),
    re_path(
        r"^privacy/retention-policies/?$", views.PolicyList.as_view(), name="api-gdpr-policies"
    ),
    re_path(
        r"^privacy/retention-policies/(?P<pk>\d+)/run/?$",
        views.PolicyRun.as_view(),
        name="api-gdpr-policy-run",
    ),
]
