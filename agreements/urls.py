from agreements.views import agreements, conferences, feedback, indirect, settings

app_name = "agreements"

urlpatterns = [
    *conferences.urlpatterns,
    *indirect.urlpatterns,
    *agreements.urlpatterns,
    *feedback.urlpatterns,
    *settings.urlpatterns,
]
