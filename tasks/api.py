"""API of the batch jobs: start a nightly arrears or monthly reconciliation run (of the whole
branch, or an arrears run of one office), follow it, resume one that stopped."""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from borrowers.models import TransactionOffice
from borrowers.selectors import office_ids_for, offices_for
from core.api import ModelSerializer, ScopedPrimaryKeyRelatedField, business_date

from . import tasks
from .jobs import runs
from .models import JobPartition, JobRun
from .selectors import can_start_for, job_runs_for, run_view_for


class JobPartitionSerializer(ModelSerializer):
    """One office's part of a run: its status, how often it was tried, its counts."""

    counts = serializers.JSONField(read_only=True, help_text="The office's totals.")

    class Meta:
        model = JobPartition
        fields = ["office", "status", "attempts", "counts", "error", "started_at", "finished_at"]
        read_only_fields = fields


class JobRunSerializer(ModelSerializer):
    """A job run (lần chạy tác vụ) with its progress (0–100) and counts; an officer sees their
    office's part only (its partitions, their progress, counts and errors)."""

    progress = serializers.IntegerField(
        source="view.progress",
        read_only=True,
        min_value=0,
        max_value=100,
        help_text="Percent of partitions done.",
    )
    parts_total = serializers.IntegerField(source="view.parts_total", read_only=True)
    parts_done = serializers.IntegerField(source="view.parts_done", read_only=True)
    counts = serializers.JSONField(
        source="view.counts", read_only=True, help_text="Totals the job reports."
    )
    error = serializers.CharField(source="view.error", read_only=True)
    partitions = JobPartitionSerializer(source="view.partitions", many=True, read_only=True)
    offices = serializers.PrimaryKeyRelatedField(
        many=True,
        read_only=True,
        help_text="The offices of a run for some offices only; empty for a run of the branch.",
    )

    class Meta:
        model = JobRun
        fields = [
            "id",
            "kind",
            "period",
            "scope",
            "offices",
            "status",
            "progress",
            "parts_total",
            "parts_done",
            "counts",
            "error",
            "partitions",
            "created_at",
            "started_at",
            "finished_at",
            "created_by",
        ]
        read_only_fields = fields

    def to_representation(self, instance: JobRun) -> dict:
        request = self.context.get("request")
        instance.view = run_view_for(getattr(request, "user", None), instance)
        return super().to_representation(instance)


NEEDED = {
    JobRun.Kind.ARREARS: "as_of",
    JobRun.Kind.RECONCILIATION: "month",
    JobRun.Kind.SAVINGS_INTEREST: "period_end",
}


class JobRequestSerializer(serializers.Serializer):
    """`{"kind": "arrears", "as_of": "YYYY-MM-DD"}` (with `"office": id` for one office's run)
    or `{"kind": "reconciliation", "month": "YYYY-MM"}`
    or `{"kind": "savings_interest", "period_end": "YYYY-06-30|YYYY-12-31"}`."""

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
    period_end = serializers.DateField(
        required=False,
        validators=[business_date],
        help_text="Last day (30 Jun or 31 Dec) of the half-year a savings_interest run credits.",
    )
    office = ScopedPrimaryKeyRelatedField(
        selector=offices_for,
        queryset=TransactionOffice.objects.none(),
        required=False,
        help_text="An arrears run of this office only (id): officers start runs of their own "
        "office only; without it the run covers the whole branch.",
    )
    full = serializers.BooleanField(
        required=False,
        default=False,
        help_text="An arrears run that recomputes every loan from its history; by default the "
        "loans with nothing new since the previous complete day roll forward from it.",
    )

    def validate(self, data: dict) -> dict:
        needed = NEEDED[data["kind"]]
        if needed not in data:
            raise serializers.ValidationError({needed: [_("Trường này là bắt buộc.")]})
        if "office" in data and data["kind"] != JobRun.Kind.ARREARS:
            raise serializers.ValidationError(
                {"office": [_("Tác vụ này luôn chạy cho toàn chi nhánh.")]}
            )
        end = data.get("period_end")
        if end is not None and (end.month, end.day) not in ((6, 30), (12, 31)):
            raise serializers.ValidationError(
                {"period_end": [_("Kỳ tính lãi tiền gửi kết thúc ngày 30/06 hoặc 31/12.")]}
            )
        if "month" in data:
            year, month = (int(part) for part in data["month"].split("-"))
            data["month"] = date(year, month, 1)
            if data["month"] > timezone.localdate():
                raise serializers.ValidationError({"month": [_("Tháng không được sau tháng này.")]})
        return data


class CanStartJobs(permissions.IsAuthenticated):
    """Anyone with an office may follow jobs; `tasks.add_jobrun` starts them: at branch level
    for the whole branch, an officer for their own office only (the body names it)."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if view.action not in ("create", "resume"):
            return True
        if not request.user.has_perm("tasks.add_jobrun"):
            return False
        # A body without an office asks for the whole branch: branch-level staff only.
        branch_level = office_ids_for(request.user) is None
        return view.action == "resume" or branch_level or "office" in request.data


@extend_schema_view(
    create=extend_schema(
        request=JobRequestSerializer,
        responses={
            202: JobRunSerializer,
            400: OpenApiResponse(description="Invalid input: messages per field."),
            403: OpenApiResponse(description="Officers start runs of their own office only."),
        },
    ),
    resume=extend_schema(
        request=None,
        responses={
            202: JobRunSerializer,
            403: OpenApiResponse(description="The run covers offices that are not the user's."),
            409: OpenApiResponse(description="The run is done, or still progressing."),
        },
    ),
)
class JobViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Job runs: officers follow them and start their office's; branch-level staff start any."""

    serializer_class = JobRunSerializer
    permission_classes = [CanStartJobs]
    queryset = JobRun.objects.none()
    filterset_fields = ["kind", "period", "status"]

    def get_queryset(self):
        runs.mark_stalled()  # a run that stopped shows as stalled even without beat
        return job_runs_for(self.request.user)

    def create(self, request):
        job = JobRequestSerializer(data=request.data, context={"request": request})
        job.is_valid(raise_exception=True)
        run = start_job(job.validated_data, by=request.user)
        return self._accepted(run)

    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Run the partitions a stalled or failed run has not done (202), on the workers."""
        run = self.get_object()
        if not can_start_for(request.user, runs.scope_of(run)):
            raise PermissionDenied(_("Chỉ chạy tiếp được lần chạy của phòng giao dịch mình."))
        return self._accepted(tasks.resume_run(run=run))

    def _accepted(self, run: JobRun) -> Response:
        run = job_runs_for(self.request.user).get(pk=run.pk)
        body = JobRunSerializer(run, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


def start_job(data: dict, *, by) -> JobRun:
    if data["kind"] == JobRun.Kind.ARREARS:
        office = data.get("office")
        offices = None if office is None else [office.pk]
        return tasks.start_arrears(
            as_of=data["as_of"], by=by, offices=offices, full=data.get("full", False)
        )
    if data["kind"] == JobRun.Kind.SAVINGS_INTEREST:
        return tasks.start_savings_interest(period_end=data["period_end"], by=by)
    return tasks.start_reconciliation(month=data["month"], by=by)
