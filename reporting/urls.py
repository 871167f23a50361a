from reporting import views
from reporting.returns import views as returns_views

app_name = "reporting"

urlpatterns = [
    *returns_views.urlpatterns,
    *views.urlpatterns,
]
