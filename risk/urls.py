from risk.views import assessments, safeguarding, settings, suitability

app_name = "risk"

urlpatterns = [
    *assessments.urlpatterns,
    *suitability.urlpatterns,
    *safeguarding.urlpatterns,
    *settings.urlpatterns,
]
