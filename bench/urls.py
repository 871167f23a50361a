"""The product's URLconf plus the bench-only pages (bench/baselines.py), used only with bench.settings."""

from django.urls import include, path

from bench import baselines
from rjcase.urls import urlpatterns as product_urlpatterns

urlpatterns = [*product_urlpatterns, path("bench/", include(baselines.urlpatterns))]
