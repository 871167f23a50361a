from agreements.views import conferences, indirect

app_name = "agreements"

urlpatterns = [*conferences.urlpatterns, *indirect.urlpatterns]
