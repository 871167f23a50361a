from reporting import views
from reporting.returns import pdf_views as returns_pdf_views
from reporting.returns import views as returns_views

app_name = "reporting"

urlpatterns = [
    *returns_views.urlpatterns,
    *returns_pdf_views.urlpatterns,
    *views.urlpatterns,
]
