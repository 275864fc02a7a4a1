"""The schema states what the validation enforces (issue 12, item 7): schemathesis's
`positive_data_acceptance` (ST202: a request the schema allows is not refused as malformed) and
`negative_data_rejection` (ST201: a request the schema forbids is refused with a 4xx).

Negative cases run for every operation. Positive ones for the reads: a write the schema allows
may still break a business rule no schema can state (an amount above what is owed, a date
before the disbursement), a 400 with the rule's message; tests/api/test_schema.py drives those
writes for no server error and documented answers. Two bounds of the reads are not the
schema's either, and a positive case is bent inside them: a date or month not after today
(JSON Schema has no "today"; the schema's descriptions say it), and an id that names an
object the user sees (another office's or a missing object is a 400 on that field, with its
message); a report's grouping named twice, which the pattern of `group_by` cannot exclude;
and a period that ends before it starts. Bounded: a few examples per operation, under two
minutes.
"""

import os
from datetime import date

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from tasks.models import JobRun
from tests.api.conftest import sites  # noqa: F401 (the seeded offices, a fixture)
from tests.api.test_schema import OPERATIONS, plausible, seeded_id, wsgi_requests  # noqa: F401

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "8"))
READS = [op for op in OPERATIONS if op.method.upper() == "GET"]
EARLIEST = date(2000, 1, 1)  # core.api.EARLIEST_BUSINESS_DATE
DAYS = {"as_of", "from", "to", "session_date", "value_date"}


def within_the_business_days(case, seeded) -> None:
    """Dates and months from 2000 to today; ids of the seeded Văn Quan objects."""
    site = seeded["van_quan"]
    ids = {
        "office": site.office.pk,
        "branch": site.office.branch_id,
        "transaction_point": site.point.pk,
        "commune": site.point.commune_id,
        "association": site.association.pk,
        "parent": site.association.pk,
        "savings_group": site.group.pk,
        "borrower": site.borrower.pk,
        "loan": site.loan.pk,
    }
    if case.operation.path.startswith("/api/v1/savings-groups/"):
        ids["association"] = site.group.association_id  # a group's is a commune association
    span = (timezone.localdate() - EARLIEST).days + 1
    query = case.query if isinstance(case.query, dict) else {}
    for name, value in list(query.items()):
        if name in ids and isinstance(value, int):
            query[name] = ids[name]
        elif name == "programme":
            query[name] = "HN"
        elif name == "group_by" and isinstance(value, str):
            query[name] = ",".join(dict.fromkeys(value.split(",")))  # each grouping once
        elif name in DAYS and isinstance(value, str):
            day = date.fromisoformat(value).toordinal() % span
            query[name] = date.fromordinal(EARLIEST.toordinal() + day).isoformat()
        elif name == "month" and isinstance(value, str):
            months = (timezone.localdate().year - 2000) * 12 + timezone.localdate().month
            number = int(value[:4]) * 12 + int(value[5:7]) % months
            query[name] = f"{2000 + number % months // 12:04d}-{number % months % 12 + 1:02d}"
    if query.get("from", "") > query.get("to", "9999"):  # a period runs forwards
        query["from"], query["to"] = query["to"], query["from"]


def _run(operation, mode, seeded, cast, app, check):
    token = Token.objects.create(user=cast.carol).key
    job = JobRun.objects.create(kind="arrears", period="2025-01-31")
    fixed = {"headers": {"Authorization": f"Token {token}"}}
    strategies = [operation.as_strategy(generation_mode=mode, **fixed)]
    if (object_id := seeded_id(operation, seeded, job)) is not None:
        strategies.append(
            operation.as_strategy(generation_mode=mode, path_parameters={"id": object_id}, **fixed)
        )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize="API_FUZZ_EXAMPLES" not in os.environ,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies), link=st.booleans())
    def run(case, link):
        if mode == GenerationMode.POSITIVE:
            within_the_business_days(case, seeded)
            if link:
                plausible(case, seeded)
        case.validate_response(case.call(app=app), checks=[check])

    run()


@pytest.mark.parametrize("operation", READS, ids=lambda op: op.label)
def test_a_read_the_schema_allows_is_not_refused_as_malformed(
    operation,
    sites,  # noqa: F811
    cast,
    wsgi_requests,  # noqa: F811
):
    _run(operation, GenerationMode.POSITIVE, sites, cast, wsgi_requests, positive_data_acceptance)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_a_request_the_schema_forbids_is_refused(
    operation,
    sites,  # noqa: F811
    cast,
    wsgi_requests,  # noqa: F811
):
    _run(operation, GenerationMode.NEGATIVE, sites, cast, wsgi_requests, negative_data_rejection)
