"""POST /api/v1/imports/: a take-on workbook checked, and posted unless a dry run."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from borrowers.selectors import office_ids_for
from core.api import business_date

from .models import ImportBatch
from .services import Report, import_book
from .undo import UndoError, undo_batch

MAX_FILE_BYTES = 200 * 1024 * 1024


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("Tệp Excel (.xlsx) hoặc zip các tệp CSV."))
    as_of = serializers.DateField(validators=[business_date], help_text=_("Ngày chuyển đổi C."))
    dry_run = serializers.BooleanField(default=False, help_text=_("Chỉ kiểm tra, không ghi sổ."))

    def validate_file(self, value):
        if value.size > MAX_FILE_BYTES:
            raise serializers.ValidationError(_("Tệp quá lớn."))
        return value


RowError = inline_serializer(
    "ImportRowError",
    fields={
        "sheet": serializers.CharField(),
        "row": serializers.IntegerField(),
        "column": serializers.CharField(),
        "message": serializers.CharField(),
    },
)
ImportReport = inline_serializer(
    "ImportReport",
    fields={
        "households": serializers.IntegerField(),
        "loans": serializers.IntegerField(),
        "savings": serializers.IntegerField(),
        "posted": serializers.BooleanField(),
        "errors": RowError.__class__(many=True),
        "mismatches": serializers.ListField(child=serializers.DictField()),
    },
)


class CanImport(permissions.IsAuthenticated):
    """The take-on of a book is the branch's: branch-level staff with the permission."""

    def has_permission(self, request, view) -> bool:
        return (
            super().has_permission(request, view)
            and office_ids_for(request.user) is None
            and request.user.has_perm("takeon.add_importbatch")
        )


class ImportView(APIView):
    """Take-on of an existing book (chuyển đổi dữ liệu) as of a cut-over date."""

    parser_classes = [MultiPartParser]
    permission_classes = [CanImport]

    @extend_schema(
        request={"multipart/form-data": ImportInputSerializer},
        responses={
            200: ImportReport,
            400: OpenApiResponse(
                response={
                    "oneOf": [
                        {"$ref": "#/components/schemas/ImportReport"},
                        {"$ref": "#/components/schemas/ValidationError"},
                    ]
                },
                description="The report with every row error (nothing posted), or an "
                "unreadable request.",
            ),
        },
        operation_id="imports_create",
    )
    def post(self, request):
        given = ImportInputSerializer(data=request.data)
        if not given.is_valid():
            # The same body as a refused file: each bad field as an error without a sheet.
            errors = [
                {"sheet": "", "row": 0, "column": field, "message": str(message)}
                for field, messages in given.errors.items()
                for message in messages
            ]
            return Response(Report(errors=errors).as_dict(), status=status.HTTP_400_BAD_REQUEST)
        upload = given.validated_data["file"]
        report = import_book(
            upload.read(),
            as_of=given.validated_data["as_of"],
            dry_run=given.validated_data["dry_run"],
            by=request.user,
            file_name=upload.name or "",
        )
        failed = bool(report.errors or report.mismatches)
        code = status.HTTP_400_BAD_REQUEST if failed else status.HTTP_200_OK
        return Response(report.as_dict(), status=code)


class CanUndo(permissions.IsAuthenticated):
    """Undoing a batch is the branch's too, with its own permission."""

    def has_permission(self, request, view) -> bool:
        return (
            super().has_permission(request, view)
            and office_ids_for(request.user) is None
            and request.user.has_perm("takeon.undo_importbatch")
        )


class UndoView(APIView):
    """Undo a whole take-on batch before anything was posted on it: its opening entries
    reversed, its loans closed, the file importable again."""

    permission_classes = [CanUndo]

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "ImportUndone",
                fields={"id": serializers.IntegerField(), "undone_at": serializers.DateTimeField()},
            ),
            404: OpenApiResponse(description="No such batch."),
            409: OpenApiResponse(description="Already undone, or posted on since the import."),
        },
        operation_id="imports_undo",
    )
    def post(self, request, pk: int):
        if not ImportBatch.objects.filter(pk=pk).exists():
            return Response({"detail": _("Không có đợt chuyển đổi này.")}, status=404)
        try:
            batch = undo_batch(pk, by=request.user)
        except UndoError as exc:
            return Response({"detail": exc.message, "code": exc.code}, status=409)
        return Response({"id": batch.pk, "undone_at": batch.undone_at})


urlpatterns = [
    path("imports/", ImportView.as_view(), name="takeon-import"),
    path("imports/<int:pk>/undo/", UndoView.as_view(), name="takeon-undo"),
]
