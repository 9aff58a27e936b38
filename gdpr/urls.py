from django.urls import path

from gdpr import views

urlpatterns = [
    path("privacy/requests/", views.request_list, name="gdpr-requests"),
    path("privacy/requests/<int:pk>/", views.request_detail, name="gdpr-request"),
    path(
        "privacy/requests/<int:pk>/<str:action>/", views.request_action, name="gdpr-request-action"
    ),
    path("privacy/retention/", views.retention_list, name="gdpr-retention"),
]
