from audit.views import urlpatterns

app_name = "audit"

__all__ = ["urlpatterns"]
