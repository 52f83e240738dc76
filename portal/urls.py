"""URL map. Only this module (and settings) knows every app."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal import health, metrics, views

handler500 = "portal.views.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("accessibility/", views.AccessibilityView.as_view(), name="accessibility"),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
    path("accounts/", include("allauth.urls")),
    path("organisations/", include("accounts.urls")),
    path("my-data/", include("accounts.urls_privacy")),
    path("manage/privacy/", include("accounts.urls_privacy_manage")),
    path("manage/search/", include("reviews.urls_search")),
    path("manage/calls/", include("calls.urls_manage")),
    path("manage/calls/<slug:slug>/", include("reviews.urls_manage")),
    path("manage/calls/<slug:slug>/", include("reviews.urls_ranking")),
    path("manage/calls/<slug:slug>/grants/", include("grants.urls_manage")),
    path("applications/", include("applications.urls")),
    path("review/", include("reviews.urls_review")),
    path("grants/", include("grants.urls")),
    path("funded/", include("reviews.urls_funded")),
    path("evaluation/", include("reviews.urls_summary")),
    path("api/v1/", include("portal.urls_api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("", include("calls.urls")),
]
