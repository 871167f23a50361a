from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import two_factor_views, views

app_name = "accounts"

urlpatterns = [
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/changed/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Two-factor authentication
    path("two-factor/", two_factor_views.two_factor_settings, name="two_factor"),
    path("two-factor/set-up/", two_factor_views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/code/", two_factor_views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/recovery-code/", two_factor_views.two_factor_recovery, name="two_factor_recovery"),
    path("two-factor/recovery-codes/", two_factor_views.recovery_codes, name="recovery_codes"),
    path(
        "two-factor/recovery-codes/new/",
        two_factor_views.recovery_codes_replace,
        name="recovery_codes_replace",
    ),
    path("two-factor/staff/", two_factor_views.staff_two_factor, name="two_factor_staff"),
    path("two-factor/staff/<int:pk>/reset/", two_factor_views.two_factor_reset, name="two_factor_reset"),
]
