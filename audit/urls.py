from audit import break_glass_views
from audit.views import urlpatterns as log_urlpatterns

app_name = "audit"

urlpatterns = [*log_urlpatterns, *break_glass_views.urlpatterns]
