from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("returns/", views.returns, name="returns"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
