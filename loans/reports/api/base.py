"""What every report endpoint shares: the JSON answer, or the same report as a file with
`?format=csv|xlsx`, written by one pair of renderers; an error is always JSON."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import renderers, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import query_data
from core.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE
from core.renderers import JSONRenderer

from ..exports import Download

MAX_ID = 2**63 - 1  # ids are bigints
FILE_RESPONSES = {
    (200, CSV_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY),
    (200, XLSX_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY),
}
BAD_REQUEST = OpenApiResponse(description="Invalid parameters: messages per field.")
REPLICA_LAG_HELP = (
    "Read from the reports replica (REPORTS_DATABASE_URL): how many seconds its data was behind "
    "the primary; null when read from the primary."
)


class ExportRenderer(renderers.BaseRenderer):
    """Writes the view's `download` (not the JSON) in this renderer's format."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return renderer_context["view"].download.content(self.format)


class CSVRenderer(ExportRenderer):
    media_type = CSV_MEDIA_TYPE
    format = "csv"
    charset = "utf-8"


class XLSXRenderer(ExportRenderer):
    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"


class ReportView(APIView):
    """A read-only report: `respond(data, download)` answers JSON, or the file the client
    asked for with `?format=`; an error, or an unknown format, is JSON."""

    renderer_classes = [
        JSONRenderer,
        renderers.BrowsableAPIRenderer,
        CSVRenderer,
        XLSXRenderer,
    ]
    download: Download | None = None

    def respond(self, data, download: Download) -> Response:
        self.download = download
        return Response(data)

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            # An unknown ?format= is a 400 on `format` from the query serializer, not a 404.
            return JSONRenderer(), JSONRenderer.media_type

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        exported = isinstance(renderer, ExportRenderer)
        if exported and (response.status_code >= 400 or self.download is None):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
            exported = False
        response = super().finalize_response(request, response, *args, **kwargs)
        if exported:
            filename = self.download.filename(renderer.format)
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def valid_query(serializer_class: type[serializers.Serializer], request, **context):
    """The query parameters checked by `serializer_class` (a 400 with field messages)."""
    query = serializer_class(data=query_data(request), context={"request": request, **context})
    query.is_valid(raise_exception=True)
    return query
