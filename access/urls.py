from django.urls import path

from access import views

urlpatterns = [
    path("query/", views.query_page, name="query"),
    path("access/preview/", views.preview_page, name="access-preview"),
    path("access/requests/", views.request_queue, name="access-queue"),
    path("access/requests/new/", views.request_new, name="access-request-new"),
    path("access/requests/<int:pk>/", views.request_detail, name="access-request"),
    path("access/my-requests/", views.my_requests, name="access-my-requests"),
]
