"""Views of the cases app, one module per area. Each module exposes `urlpatterns`."""
