"""The project's URLs plus two views that fail, to see the 500 answers (and the handlers)."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns


def broken_view(request):
    raise RuntimeError("DATABASE_URL=postgres://vbsp:s3cret@db.internal/vbsp")


urlpatterns = [
    path("admin/broken/", broken_view),
    path("api/v1/broken/", broken_view),
    *project_urlpatterns,
]
