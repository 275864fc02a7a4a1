"""Who may reach what: officers of two offices, a branch-level analyst and an anonymous client
against every route and action. Another office's object does not exist for an officer (404), an
anonymous client gets nothing (401), and no route is left out of the table."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from loans.takeon.models import ImportBatch
from tasks.models import JobRun

from .conftest import API

# (method, route, the site object whose id fills {id}, or None for a collection).
ROUTES = [
    ("get", "/applications/", None),
    ("post", "/applications/", None),
    ("get", "/applications/{id}/", "application"),
    ("post", "/applications/{id}/vote/", "application"),
    ("post", "/applications/{id}/certify/", "application"),
    ("post", "/applications/{id}/decide/", "application"),
    ("post", "/applications/{id}/withdraw/", "application"),
    ("get", "/approvals/", None),
    ("get", "/approvals/{id}/", "approval"),
    ("post", "/approvals/{id}/approve/", "approval"),
    ("post", "/approvals/{id}/reject/", "approval"),
    ("get", "/associations/", None),
    ("get", "/associations/{id}/", "association"),
    ("get", "/borrowers/", None),
    ("post", "/borrowers/", None),
    ("get", "/borrowers/{id}/", "borrower"),
    ("put", "/borrowers/{id}/", "borrower"),
    ("patch", "/borrowers/{id}/", "borrower"),
    ("get", "/borrowers/{id}/savings/", "borrower"),
    ("post", "/borrowers/{id}/savings/reversals/", "borrower"),
    ("get", "/loans/", None),
    ("post", "/loans/", None),
    ("get", "/loans/{id}/", "loan"),
    ("post", "/loans/{id}/disbursements/", "loan"),
    ("get", "/loans/{id}/position/", "loan"),
    ("post", "/loans/{id}/repayments/", "loan"),
    ("post", "/loans/{id}/reversals/", "loan"),
    ("post", "/loans/{id}/write-offs/", "loan"),
    ("post", "/loans/{id}/freezes/", "loan"),
    ("post", "/loans/{id}/unfreezes/", "loan"),
    ("post", "/loans/{id}/extensions/", "loan"),
    ("post", "/loans/{id}/schedule-adjustments/", "loan"),
    ("get", "/offices/", None),
    ("get", "/offices/{id}/", "office"),
    ("get", "/savings-groups/", None),
    ("get", "/savings-groups/{id}/", "group"),
    ("get", "/transaction-points/", None),
    ("get", "/transaction-points/{id}/", "point"),
    ("get", "/risk-dossiers/", None),
    ("post", "/risk-dossiers/", None),
    ("get", "/reports/portfolio/", None),
    ("get", "/reports/flows/", None),
    ("get", "/reports/arrears-ageing/", None),
    ("get", "/reports/decree-28/", None),
    ("get", "/reports/collection-list/", None),
    ("get", "/reconciliations/", None),
    ("get", "/reconciliations/fee-statement/", None),
    ("get", "/sessions/", None),
    ("post", "/sessions/", None),
    ("get", "/sessions/{id}/", "session"),
    ("post", "/sessions/{id}/close/", "session"),
    ("get", "/sessions/{id}/sheet/", "session"),
    ("post", "/sessions/{id}/collections/", "session"),
    ("post", "/sessions/{id}/disbursements/", "session"),
    ("get", "/sessions/{id}/fees/", "session"),
    ("post", "/sessions/{id}/fees/", "session"),
]
# Not scoped by office: reference data and branch-wide job runs.
SHARED_ROUTES = [
    ("get", "/programmes/", None),
    ("get", "/programmes/{id}/", "programme"),
    ("get", "/jobs/", None),
    ("post", "/jobs/", None),
    ("get", "/jobs/{id}/", "job"),
    ("post", "/jobs/{id}/resume/", "job"),
    ("get", "/savings-rates/", None),
    ("post", "/savings-rates/", None),
    ("post", "/imports/", None),
    ("post", "/imports/{id}/undo/", "batch"),
]
# Documentation: behind the same login as the API.
DOC_ROUTES = [("get", "/schema/", None), ("get", "/docs/", None), ("get", "/", None)]
DENIED = {401, 403}


def url(route: str, site, name: str | None, *, job=None) -> str:
    if name is None:
        return API + route
    if name == "job":
        return API + route.format(id=job.pk)
    if name == "batch":
        # An empty take-on batch: undoing it reverses nothing, so only the right is tested.
        return API + route.format(id=ImportBatch.objects.create(as_of="2025-01-31").pk)
    if name == "programme":
        return API + route.format(id=site.loan.programme_id)
    if name == "session":
        return API + route.format(id=site_session(site).pk)
    return API + route.format(id=getattr(site, name).pk)


def site_session(site):
    """The site's point's session of 10 Feb 2025 (opened on first use)."""
    from datetime import date

    from loans.sessions.models import Session

    session, _created = Session.objects.get_or_create(
        transaction_point=site.point,
        session_date=date(2025, 2, 10),
        defaults={"opened_by": site.loan.created_by},
    )
    return session


def call(client, method: str, path: str):
    # An empty body: access is decided before the input is read, so a 400 means "let in".
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, {}, format="json")


@pytest.fixture
def clients(alice_api, bob_api, carol_api, anon_api):
    return {"alice": alice_api, "bob": bob_api, "carol": carol_api, "anonymous": anon_api}


def test_the_table_covers_every_route_and_method_of_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {
        (method, path.removeprefix(API))
        for path, operations in schema["paths"].items()
        for method in operations
    }
    tabled = {(m, r) for m, r, _ in ROUTES + SHARED_ROUTES}
    assert documented == tabled


@pytest.mark.parametrize(("method", "route", "name"), ROUTES, ids=lambda v: str(v))
def test_an_officer_cannot_reach_another_offices_objects(sites, clients, method, route, name):
    own, foreign = sites["van_quan"], sites["bac_son"]
    path_own, path_foreign = url(route, own, name), url(route, foreign, name)

    if name is not None:
        assert call(clients["alice"], method, path_foreign).status_code == 404
        assert call(clients["bob"], method, path_own).status_code == 404
    for who in ("alice", "carol"):
        status = call(clients[who], method, path_own).status_code
        if who == "alice" and method == "post" and route.startswith("/approvals/{id}/"):
            assert status == 403  # alice made the request: a maker never decides it
            continue
        assert status not in DENIED | {404, 500}, (who, status)
    assert call(clients["carol"], method, path_foreign).status_code not in DENIED | {404, 500}
    assert call(clients["anonymous"], method, path_own).status_code == 401


@pytest.mark.parametrize(
    ("route", "own", "foreign"),
    [
        ("/offices/", "office", None),
        ("/transaction-points/", "point", None),
        ("/associations/", "association", None),
        ("/savings-groups/", "group", None),
        ("/borrowers/", "borrower", None),
        ("/loans/", "loan", None),
        ("/applications/", "application", None),
        ("/approvals/", "approval", None),
    ],
)
def test_lists_show_only_the_users_offices(sites, clients, route, own, foreign):
    def ids(who: str) -> set[int]:
        response = clients[who].get(API + route, {"page_size": 500})
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    van_quan = getattr(sites["van_quan"], own).pk
    bac_son = getattr(sites["bac_son"], own).pk
    assert van_quan in ids("alice")
    assert bac_son not in ids("alice")
    assert bac_son in ids("bob")
    assert van_quan not in ids("bob")
    assert {van_quan, bac_son} <= ids("carol")


def test_a_write_cannot_point_at_another_offices_objects(sites, clients):
    foreign = sites["bac_son"]
    borrower = clients["alice"].post(
        f"{API}/borrowers/",
        {
            "full_name": "Lương Văn Tú",
            "national_id": "020190000777",
            "date_of_birth": "1990-01-01",
            "gender": "male",
            "ethnicity": "Nùng",
            "household_category": "poor",
            "savings_group": foreign.group.pk,
            "village": "Bản Cằm",
        },
        format="json",
    )
    assert borrower.status_code == 400
    assert set(borrower.json()) == {"savings_group"}

    loan = clients["alice"].post(
        f"{API}/loans/",
        {
            "borrower": foreign.borrower.pk,
            "programme": "HN",
            "amount": 10_000_000,
            "term_months": 12,
            "approved_on": "2025-01-02",
        },
        format="json",
    )
    assert loan.status_code == 400
    assert set(loan.json()) == {"borrower"}

    # Another loan's journal entry is not an entry of this loan.
    own_loan = sites["van_quan"].loan
    reversal = clients["carol"].post(
        f"{API}/loans/{own_loan.pk}/reversals/",
        {"transaction": foreign.entry.pk, "reason": "Nhầm"},
        format="json",
    )
    assert reversal.status_code == 400
    assert set(reversal.json()) == {"transaction"}


@pytest.mark.parametrize(("method", "route", "name"), SHARED_ROUTES, ids=lambda v: str(v))
def test_shared_routes_need_a_login_and_only_the_branch_starts_jobs(
    sites, clients, method, route, name
):
    job = JobRun.objects.create(kind="arrears", period="2025-01-31")
    path = url(route, sites["van_quan"], name, job=job)
    assert call(clients["anonymous"], method, path).status_code == 401
    for who in ("alice", "bob", "carol"):
        status = call(clients[who], method, path).status_code
        # An empty body asks for the whole branch; the run to resume is the branch's.
        starts_job = (method, route) in {
            ("post", "/jobs/"),
            ("post", "/jobs/{id}/resume/"),
            ("post", "/savings-rates/"),  # the savings rate is written at branch level
            ("post", "/imports/"),  # the take-on of a book is the branch's
            ("post", "/imports/{id}/undo/"),  # and so is undoing one
        }
        if starts_job and who != "carol":
            assert status == 403, who
        else:
            assert status not in DENIED | {404, 500}, (who, status)


@pytest.mark.parametrize(("method", "route", "name"), DOC_ROUTES, ids=lambda v: str(v))
def test_documentation_needs_a_login(clients, method, route, name):
    assert call(clients["anonymous"], method, API + route).status_code in DENIED
    response = clients["alice"].get(API + route)
    assert response.status_code == 200


def test_anonymous_gets_401_with_a_token_challenge(clients):
    response = clients["anonymous"].get(f"{API}/loans/")
    assert response.status_code == 401
    assert re.match(r"^Token", response["WWW-Authenticate"])


def test_session_login_works_too(cast, client):
    client.force_login(cast.alice)
    assert client.get(f"{API}/loans/").status_code == 200
