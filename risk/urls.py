from django.urls import path

from risk import views

app_name = "risk"

urlpatterns = [
    path("approvals/", views.approvals, name="approvals"),
]
