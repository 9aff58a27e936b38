from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from access import mfa_views
from catalog import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", mfa_views.LoginView.as_view(), name="login"),
    path("login/verify/", mfa_views.login_verify, name="login-verify"),
    path("account/security/", mfa_views.security, name="account-security"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("search/", views.search_page, name="search"),
    path("sources/", views.source_list, name="sources"),
    path("sources/<slug:name>/", views.source_detail, name="source"),
    path("sources/<slug:name>/ingest/", views.source_ingest, name="source-ingest"),
    path("glossary/", views.glossary, name="glossary"),
    path("glossary/new/", views.term_edit, name="term-new"),
    path("glossary/<int:pk>/", views.term_detail, name="term"),
    path("glossary/<int:pk>/edit/", views.term_edit, name="term-edit"),
    re_path(r"^assets/(?P<fqn>.+)/description/$", views.edit_description, name="asset-description"),
    re_path(r"^assets/(?P<fqn>.+)/owners/$", views.edit_owners, name="asset-owners"),
    re_path(r"^assets/(?P<fqn>.+)/tags/$", views.edit_tags, name="asset-tags"),
    re_path(r"^assets/(?P<fqn>.+)/terms/$", views.edit_terms, name="asset-terms"),
    re_path(r"^assets/(?P<fqn>.+)/$", views.asset_page, name="asset"),
]
