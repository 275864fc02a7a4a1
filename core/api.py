"""Pieces every app's API shares: action permissions, scoped related ids, codes, amounts in
đồng, business dates."""

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import pagination, permissions, serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from .forms import IntegerField as IntegerFormField

StrOrPromise = str | Promise

# The largest cap of any programme (Decree 28 value chain, firms); each programme's own cap is
# checked by the service.
MAX_AMOUNT = 2_000_000_000
# VBSP was founded in 2002: no approval, posting, position or job is dated before 2000.
EARLIEST_BUSINESS_DATE = date(2000, 1, 1)


class ActionPermission(permissions.IsAuthenticated):
    """Reads need a login; a write action needs the model permission the view names for it."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not super().has_permission(request, view):
            return False
        perm = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        return perm is None or request.user.has_perm(perm)


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id, strictly an integer as `IntegerField` takes it (a database lookup would
    turn "1_000" or "１" into an id)."""

    def to_internal_value(self, data: Any) -> Any:
        strict = isinstance(data, int) and not isinstance(data, bool)
        if not strict and not (isinstance(data, str) and INTEGER_TEXT.fullmatch(data)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class ScopedPrimaryKeyRelatedField(PrimaryKeyRelatedField):
    """A related id looked up among the objects a selector lets the requesting user see."""

    def __init__(self, *, selector: Callable[[Any], QuerySet], **kwargs: Any) -> None:
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        return self.selector(getattr(request, "user", None))


class IntegerField(serializers.IntegerField):
    """A whole number, strictly: a JSON integer, or a string of ASCII digits (a query
    parameter), with at most a leading minus. DRF's own field goes through `int(str(data))`,
    which also takes "1_000", full-width "１０００", "+5", " 5", 5.0 and "5.0"; this one refuses
    them, and booleans."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            number = data
        elif isinstance(data, str) and INTEGER_TEXT.fullmatch(data):
            if len(data) > self.MAX_STRING_LENGTH:
                self.fail("max_string_length")
            number = int(data)
        else:
            self.fail("invalid")
        return super().to_internal_value(number)


INTEGER_TEXT = re.compile(r"-?[0-9]+", re.ASCII)


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer with the strict integers and ids of this module for the model's
    integer fields and relations: every serializer of the API derives from it."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        **{
            field: IntegerField
            for field in (
                models.IntegerField,
                models.BigIntegerField,
                models.SmallIntegerField,
                models.PositiveIntegerField,
                models.PositiveSmallIntegerField,
                models.PositiveBigIntegerField,
            )
        },
    }
    serializer_related_field = PrimaryKeyRelatedField


def money(**kwargs: Any) -> serializers.IntegerField:
    """An amount in whole đồng, within the largest programme cap."""
    kwargs.setdefault("min_value", 1)
    return IntegerField(max_value=MAX_AMOUNT, **kwargs)


class TextField(serializers.CharField):
    """Text, strictly: a JSON string. DRF's CharField turns a number into its digits
    (`"reason": 3.86e+82` would be saved as a reason); this one refuses anything not a string."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        text: str = super().to_internal_value(data)
        return text


class IntegerFilter(filters.NumberFilter):
    """A query filter on a whole number, in ASCII digits (django-filter's NumberFilter reads a
    decimal: "5.0", "+5")."""

    field_class = IntegerFormField


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, where an empty value of a typed parameter (an id, a number, a
    date, a choice, a yes/no) is a 400 on that field, as the schema says, not "no filter":
    `?commune=` is not every commune. A text filter's empty value is a value (the schema's
    string allows it) and still filters nothing out."""

    def get_filterset(self, request: Request, queryset: QuerySet, view: APIView) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        blank = [
            name
            for name, each in filterset.filters.items()
            if not isinstance(each, filters.CharFilter) and "" in request.query_params.getlist(name)
        ]
        if blank:
            raise serializers.ValidationError(
                {name: [_("Trường này không được để trống.")] for name in blank}
            )
        return filterset


class CodeRelatedField(serializers.SlugRelatedField):
    """An object named by its code; a code no database could hold (NUL) does not exist."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)


def business_date(value: date) -> date:
    """A date the bank did business on: not after today, not before the bank's records."""
    if value > timezone.localdate():
        raise serializers.ValidationError(_("Ngày không được sau ngày hôm nay."))
    if value < EARLIEST_BUSINESS_DATE:
        raise serializers.ValidationError(
            _("Ngày không được trước %(d)s.") % {"d": f"{EARLIEST_BUSINESS_DATE:%d/%m/%Y}"}
        )
    return value


def query_data(request: Request) -> dict[str, str]:
    """The query parameters as plain data for a serializer: an empty value is a value (which a
    date, number or choice field refuses, as the schema does), not a parameter left out, as DRF
    reads a QueryDict; a parameter given twice is the last one."""
    return request.query_params.dict()


class StandardPagination(pagination.PageNumberPagination):
    """DRF page-number pagination; clients may ask for up to 500 rows a page.

    Both parameters are strict, and the schema says so: a page is a whole number from 1, a
    page size one from 1 to 500, each given once. DRF would quietly use the default page size
    for `page_size=abc` or `page_size=0`, and read `page=last`; here they are a 400."""

    page_size_query_param = "page_size"
    max_page_size = 500
    last_page_strings = ()

    def get_page_size(self, request: Request) -> int | None:
        name = self.page_size_query_param
        if not name or name not in request.query_params:
            return self.page_size
        return _bounded(request, name, maximum=self.max_page_size)

    def get_page_number(self, request: Request, paginator: Any) -> int:
        if self.page_query_param not in request.query_params:
            return 1
        return _bounded(request, self.page_query_param, maximum=None)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


def _bounded(request: Request, name: str, *, maximum: int | None) -> int:
    """The one value of query parameter `name`: ASCII digits, from 1 to `maximum`."""
    values = request.query_params.getlist(name)
    number = int(values[0]) if len(values) == 1 and INTEGER_TEXT.fullmatch(values[0]) else None
    if number is None or number < 1 or (maximum is not None and number > maximum):
        message: StrOrPromise
        if maximum is None:
            message = _("Nhập một số nguyên từ 1 trở lên.")
        else:
            message = _("Nhập một số nguyên từ 1 đến %(max)d.") % {"max": maximum}
        raise serializers.ValidationError({name: [message]})
    return number
