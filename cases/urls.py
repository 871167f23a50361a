from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("my-work/", views.my_work, name="my_work"),
    path("my-referrals/", views.my_referrals, name="my_referrals"),
]
