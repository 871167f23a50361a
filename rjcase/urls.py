from django.urls import include, path

from accounts import views as account_views

urlpatterns = [
    path("", include("core.urls")),
    path("account/", include("accounts.urls")),
    path("login/", account_views.SignInView.as_view(), name="login"),
    path("cases/", include("cases.urls")),
    path("risk/", include("risk.urls")),
    path("agreements/", include("agreements.urls")),
    path("reporting/", include("reporting.urls")),
    path("audit/", include("audit.urls")),
    path("privacy/", include("privacy.urls")),
]
