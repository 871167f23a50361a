from agreements.views import conferences

app_name = "agreements"

urlpatterns = [*conferences.urlpatterns]
