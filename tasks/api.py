"""API of the batch jobs: start a nightly arrears or monthly reconciliation run, follow it."""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response

from borrowers.selectors import office_ids_for
from core.api import business_date

from . import tasks
from .models import JobRun


class JobRunSerializer(serializers.ModelSerializer):
    """A job run (lần chạy tác vụ) with its progress (0–100) and counts."""

    progress = serializers.IntegerField(
        read_only=True, min_value=0, max_value=100, help_text="Percent of partitions done."
    )
    counts = serializers.JSONField(read_only=True, help_text="Totals the job reports.")

    class Meta:
        model = JobRun
        fields = [
            "id",
            "kind",
            "period",
            "status",
            "progress",
            "parts_total",
            "parts_done",
            "counts",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "created_by",
        ]
        read_only_fields = fields


class JobRequestSerializer(serializers.Serializer):
    """`{"kind": "arrears", "as_of": "YYYY-MM-DD"}` or `{"kind": "reconciliation",
    "month": "YYYY-MM"}`."""

    kind = serializers.ChoiceField(choices=JobRun.Kind.choices)
    as_of = serializers.DateField(
        required=False,
        validators=[business_date],
        help_text="Business date of an arrears run (end of that day); from 2000-01-01 to today.",
    )
    month = serializers.RegexField(
        r"^20[0-9]{2}-(0[1-9]|1[0-2])$",
        required=False,
        help_text="Month of a reconciliation run (YYYY-MM); not after the current month.",
        error_messages={"invalid": _("Tháng phải có dạng YYYY-MM.")},
    )

    def validate(self, data: dict) -> dict:
        needed = "as_of" if data["kind"] == JobRun.Kind.ARREARS else "month"
        if needed not in data:
            raise serializers.ValidationError({needed: [_("Trường này là bắt buộc.")]})
        if "month" in data:
            year, month = (int(part) for part in data["month"].split("-"))
            data["month"] = date(year, month, 1)
            if data["month"] > timezone.localdate():
                raise serializers.ValidationError({"month": [_("Tháng không được sau tháng này.")]})
        return data


class CanStartJobs(permissions.IsAuthenticated):
    """Anyone with an office may follow jobs; only branch-level staff with `tasks.add_jobrun`
    start them, as a run covers every office."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if view.action != "create":
            return True
        branch_level = office_ids_for(request.user) is None
        return branch_level and request.user.has_perm("tasks.add_jobrun")


@extend_schema_view(
    create=extend_schema(
        request=JobRequestSerializer,
        responses={
            202: JobRunSerializer,
            400: OpenApiResponse(description="Invalid input: messages per field."),
            403: OpenApiResponse(description="Only branch-level staff start jobs."),
        },
    ),
)
class JobViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Job runs: officers follow them; branch-level staff start them."""

    serializer_class = JobRunSerializer
    permission_classes = [CanStartJobs]
    queryset = JobRun.objects.none()
    filterset_fields = ["kind", "period", "status"]

    def get_queryset(self):
        # Runs cover the whole branch; a login tied to no office sees none.
        if office_ids_for(self.request.user) == []:
            return JobRun.objects.none()
        return JobRun.objects.order_by("-created_at", "-id")

    def create(self, request):
        job = JobRequestSerializer(data=request.data)
        job.is_valid(raise_exception=True)
        run = start_job(job.validated_data, by=request.user)
        return Response(JobRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


def start_job(data: dict, *, by) -> JobRun:
    if data["kind"] == JobRun.Kind.ARREARS:
        return tasks.start_arrears(as_of=data["as_of"], by=by)
    return tasks.start_reconciliation(month=data["month"], by=by)
