"""The project's URLs with the report API in place, as the lead includes it under /api/v1/."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("api/v1/", include("loans.report_api")), *project_urlpatterns]
