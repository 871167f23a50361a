from risk.views import assessments, new_risk, safeguarding, settings, suitability

app_name = "risk"

urlpatterns = [
    *assessments.urlpatterns,
    *suitability.urlpatterns,
    *safeguarding.urlpatterns,
    *settings.urlpatterns,
    *new_risk.urlpatterns,
]
