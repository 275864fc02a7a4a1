"""The report endpoints keep the OpenAPI schema valid (no warnings) and answer generated
requests as documented: never a server error, every status and body as the schema says."""

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

from .conftest import AS_OF

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SCHEMA = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
# The province reports; the group collection list 13/TD is tested in tests/reconciliation.
OPERATIONS = [
    result.ok()
    for result in SCHEMA.get_all_operations()
    if result.ok().path.startswith("/api/v1/reports/")
    and result.ok().path != "/api/v1/reports/collection-list/"
]


def test_schema_validates_with_the_report_endpoints(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    schema = (tmp_path / "schema.yaml").read_text()
    for endpoint in ("portfolio", "flows", "arrears-ageing", "decree-28"):
        assert f"/api/v1/reports/{endpoint}/" in schema


def test_every_report_is_documented():
    assert {op.path for op in OPERATIONS} == {
        "/api/v1/reports/portfolio/",
        "/api/v1/reports/flows/",
        "/api/v1/reports/arrears-ageing/",
        "/api/v1/reports/decree-28/",
    }


@pytest.fixture
def wsgi_requests():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def plausible(case, book) -> None:
    """Bend a generated case towards one the server may accept: real ids and dates."""
    if not isinstance(case.query, dict):
        return
    ids = {
        "office": book.cast.van_quan.pk,
        "savings_group": book.groups["tri_le"].pk,
        "association": book.associations["district"].pk,
        "transaction_point": book.points["tri_le"].pk,
        "commune": book.communes["merged"].pk,
        "programme": "HN",
    }
    for name in list(case.query):
        if name in ids:
            case.query[name] = ids[name]
        elif name in {"as_of", "from", "to"}:
            case.query[name] = AS_OF.isoformat()
        elif name == "group_by":
            case.query[name] = "office,programme"


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_the_reports_answer_generated_requests_as_documented(
    operation, mode, book, cast, wsgi_requests
):
    token = Token.objects.create(user=cast.carol).key
    fixed = {"headers": {"Authorization": f"Token {token}"}}

    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, **fixed), link=st.booleans())
    def run(case, link):
        if link and mode == GenerationMode.POSITIVE:
            plausible(case, book)
        response = case.call(app=wsgi_requests)
        case.validate_response(response, checks=CHECKS)

    run()
