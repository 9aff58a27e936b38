from django.urls import path

from privacy import views

urlpatterns = [
    path("privacy/review/", views.review_page, name="privacy-review"),
    path("privacy/scans/", views.start_scan, name="privacy-scan-start"),
]
