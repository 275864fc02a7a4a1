"""The database as a bank runs it: connected as the app's role (made by grant_app_role), the
journal takes INSERT and SELECT and refuses everything else; the ordinary tables take full DML.
The trigger's own refusals are tests/loans/test_journal.py's; here the role is refused first."""

import io
import os
from datetime import date

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import errors

from loans import services
from loans.models import Loan, LoanTransaction
from tests.conftest import approved_loan

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL's"),
    # Committed rows (the app's connection is another session); the programmes come back.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
ROLE = f"vbsp_app_test_{os.getpid()}"
JOURNAL = LoanTransaction._meta.db_table


@pytest.fixture
def entry(cast, household):
    """A disbursement, committed, so that the app's own connection sees it."""
    loan = approved_loan(household, "HN", amount=10_000_000, term=24, by=cast.alice)
    return services.disburse(loan, amount=10_000_000, on=date(2025, 1, 10), by=cast.alice)


@pytest.fixture
def app(entry):
    """A connection as the app's role, made by the command as the owner (the test's user)."""
    call_command("grant_app_role", role=ROLE, password="app-pass-1", stdout=io.StringIO())
    db = connection.settings_dict
    conn = psycopg.connect(
        dbname=db["NAME"],
        user=ROLE,
        password="app-pass-1",
        host=db["HOST"],
        port=db["PORT"],
        autocommit=True,
    )
    yield conn
    conn.close()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{ROLE}"')
        cursor.execute(f'DROP ROLE "{ROLE}"')


def refused(conn, statement: str, params=None) -> bool:
    try:
        conn.execute(statement, params)
    except errors.InsufficientPrivilege:
        return True
    return False


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {JOURNAL} SET amount = 1",
        f"DELETE FROM {JOURNAL}",
        f"TRUNCATE {JOURNAL}",
        f"ALTER TABLE {JOURNAL} DISABLE TRIGGER ALL",
        f"ALTER TABLE {JOURNAL} DISABLE TRIGGER loans_journal_append_only",
        "SET session_replication_role = replica",
    ],
    ids=["update", "delete", "truncate", "disable-all-triggers", "disable-the-trigger", "replica"],
)
def test_the_app_role_cannot_change_or_unguard_the_journal(app, entry, statement):
    assert refused(app, statement)
    assert LoanTransaction.objects.get(pk=entry.pk).amount == 10_000_000


def test_the_app_role_inserts_and_selects_journal_entries(app, entry):
    columns = ", ".join(
        f.column for f in LoanTransaction._meta.concrete_fields if not f.primary_key
    )
    app.execute(
        f"INSERT INTO {JOURNAL} ({columns}) SELECT {columns} FROM {JOURNAL} WHERE id = %s",
        [entry.pk],
    )
    assert app.execute(f"SELECT count(*) FROM {JOURNAL}").fetchone() == (2,)


def test_the_app_role_has_full_dml_on_ordinary_tables(app, entry):
    table = Loan._meta.db_table
    app.execute(f"UPDATE {table} SET contract_number = 'KU-SUA' WHERE id = %s", [entry.loan_id])
    assert Loan.objects.get(pk=entry.loan_id).contract_number == "KU-SUA"
    app.execute(f"DELETE FROM {table} WHERE id = -1")


def test_the_app_role_owns_nothing_and_is_no_superuser(app):
    row = app.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, "
        "(SELECT count(*) FROM pg_class WHERE relowner = r.oid) "
        "FROM pg_roles r WHERE rolname = current_user"
    ).fetchone()
    assert row == (False, False, False, False, 0)
    assert refused(app, "CREATE TABLE mine (id int)")


def test_tables_of_later_migrations_get_the_ordinary_grants(app):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE later_table (id int)")
    try:
        app.execute("INSERT INTO later_table VALUES (1)")
        app.execute("UPDATE later_table SET id = 2")
        app.execute("DELETE FROM later_table")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE later_table")


def test_running_the_grants_again_changes_nothing(app):
    call_command("grant_app_role", role=ROLE, stdout=io.StringIO())
    assert refused(app, f"DELETE FROM {JOURNAL}")


def test_the_owner_cannot_be_the_apps_role():
    owner = connection.settings_dict["USER"]
    with pytest.raises(CommandError, match="owner"):
        call_command("grant_app_role", role=owner, stdout=io.StringIO())


def test_the_command_prints_the_apps_database_url(app):
    out = io.StringIO()
    call_command("grant_app_role", role=ROLE, password="p@ss/1", print_url=True, stdout=out)
    db = connection.settings_dict
    assert out.getvalue().strip() == (
        f"postgres://{ROLE}:p%40ss%2F1@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
