"""Request checks that hold for every view, before any of them runs."""

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse
from rest_framework.exceptions import Throttled
from rest_framework.throttling import AnonRateThrottle

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the entry of
    X-Forwarded-For that the outermost trusted proxy wrote (as DRF's NUM_PROXIES reads it).
    Also django-axes' AXES_CLIENT_IP_CALLABLE."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    count = settings.TRUSTED_PROXY_COUNT
    if count and forwarded:
        addresses = [address.strip() for address in forwarded.split(",")]
        return addresses[-min(count, len(addresses))]
    return request.META.get("REMOTE_ADDR", "")


class NulCharacter(SuspiciousOperation):
    """A NUL in the path, the query string or a form field: no valid input holds one, and
    PostgreSQL cannot store one (it would surface as a 500 from the database driver).
    `fields` names the parameters whose values hold one (empty: the path or a name)."""

    def __init__(self, fields: list[str]):
        super().__init__("NUL character in " + (", ".join(fields) or "the path or a name"))
        self.fields = fields


class RejectNulMiddleware:
    """Answer 400 (through the project's 400 handler, logged to `django.security.NulCharacter`)
    to any request with a NUL character in its path, query string or form fields."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fields = _fields_with_nul(request)
        if fields is not None:
            raise NulCharacter(fields)
        return self.get_response(request)


def _fields_with_nul(request) -> list[str] | None:
    """None when the request holds no NUL; else the names of the parameters that do."""
    queries = [request.GET]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        queries += [request.POST, request.FILES]
    names = [name for query in queries for name in query]
    if "\x00" in request.path or any("\x00" in name for name in names):
        return []
    fields = [
        name
        for query in queries[:2]
        for name, values in query.lists()
        if any("\x00" in value for value in values)
    ]
    return fields or None


class ApiAuthFailureThrottleMiddleware:
    """Token guessing: DRF checks its throttles only after authentication and permissions, so
    a request with a wrong or no token is answered 401 before any throttle has counted it.
    This counts the API's 401 answers per client address (`client_address`) and answers 429
    once an address has had the anonymous rate (API_THROTTLE_ANON) of them within its window."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        throttle = AnonRateThrottle()
        key = f"api-auth-failures:{client_address(request)}"
        now = time.time()
        failures = [t for t in cache.get(key, []) if t > now - throttle.duration]
        if len(failures) >= throttle.num_requests:
            wait = max(1, math.ceil(throttle.duration - (now - failures[-1])))
            return _too_many(wait)
        response = self.get_response(request)
        if response.status_code == 401:
            cache.set(key, [now, *failures], throttle.duration)
        return response


def _too_many(wait: int) -> JsonResponse:
    detail = Throttled(wait=wait).detail
    return JsonResponse({"detail": str(detail)}, status=429, headers={"Retry-After": str(wait)})
