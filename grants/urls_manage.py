"""Staff grant pages of one call, mounted at /manage/calls/<slug>/grants/ (namespace `grants_manage`)."""

from django.urls import path

from . import exports, views

app_name = "grants_manage"
urlpatterns = [
    path("", views.PortfolioView.as_view(), name="portfolio"),
    path("schedule/", views.ScheduleView.as_view(), name="schedule"),
    path("payments/", views.PaymentsView.as_view(), name="payments"),
    path("payments/batches/<int:batch>/export.<slug:fmt>", exports.BatchExportView.as_view(), name="batch-export"),
    path("<int:pk>/", views.StaffGrantView.as_view(), name="detail"),
]
