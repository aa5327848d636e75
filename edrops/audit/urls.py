from django.urls import path

from edrops.audit import views

urlpatterns = [
    path("audit", views.audit_log, name="audit"),
    path("audit.csv", views.AuditCsvView.as_view(), name="audit-csv"),
]
