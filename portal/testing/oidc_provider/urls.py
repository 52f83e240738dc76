from django.urls import include, path

from . import views

urlpatterns = [
    path("login/", views.login_view),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
