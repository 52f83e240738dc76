from django.urls import path  # noqa: F401

app_name = "manage_calls"
urlpatterns: list = []
