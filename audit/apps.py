from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Processing log"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        user_logged_out.connect(_end_break_glass, dispatch_uid="audit_end_break_glass_on_sign_out")


def _end_break_glass(sender, request, user, **kwargs) -> None:
    """A break-glass reason lasts no longer than the session it was given in (audit.breakglass)."""
    if user is not None and getattr(user, "is_authenticated", False):
        from audit.services import break_glass_end_for_user

        break_glass_end_for_user(user=user)
