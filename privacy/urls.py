from privacy.views import urlpatterns

app_name = "privacy"

__all__ = ["urlpatterns"]
