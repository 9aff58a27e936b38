from django.urls import re_path

from privacy.api import views

urlpatterns = [
    re_path(
        r"^privacy/propagation/(?P<fqn>.+?)/?$",
        views.Propagation.as_view(),
        name="api-privacy-propagation",
    ),
    re_path(r"^privacy/classify/?$", views.Classify.as_view(), name="api-privacy-classify"),
    re_path(r"^privacy/scans/?$", views.ScanList.as_view(), name="api-privacy-scans"),
    re_path(r"^privacy/scans/(?P<pk>\d+)/?$", views.ScanDetail.as_view(), name="api-privacy-scan"),
    re_path(r"^privacy/review/?$", views.ReviewQueue.as_view(), name="api-privacy-review"),
    re_path(r"^privacy/review/bulk/?$", views.BulkReview.as_view(), name="api-privacy-review-bulk"),
    re_path(
        r"^privacy/classifications/(?P<pk>\d+)/(?P<action>confirm|reject)/?$",
        views.ClassificationReview.as_view(),
        name="api-privacy-classification-review",
    ),
    re_path(
        r"^privacy/classifications/(?P<pk>\d+)/?$",
        views.ClassificationDetail.as_view(),
        name="api-privacy-classification",
    ),
    re_path(
        r"^privacy/columns/(?P<fqn>.+)/classifications/(?P<entity>[A-Z_]+)/?$",
        views.ColumnClassificationDetail.as_view(),
        name="api-privacy-column-classification",
    ),
    re_path(
        r"^privacy/columns/(?P<fqn>.+?)/classifications/?$",
        views.ColumnClassifications.as_view(),
        name="api-privacy-column-classifications",
    ),
    re_path(r"^privacy/detokenize/?$", views.Detokenize.as_view(), name="api-privacy-detokenize"),
]
