"""python manage.py grant_app_role [--role NAME] [--password PW] [--print-url]

The database as a bank runs it (PostgreSQL): the schema's owner runs the migrations; the app
connects as a role that owns nothing, may read and write the ordinary tables, and may only
INSERT and SELECT the append-only journals (settings.APPEND_ONLY_JOURNALS) — no UPDATE, DELETE
or TRUNCATE, and, owning no table and being no superuser, no ALTER TABLE ... DISABLE TRIGGER
and no `SET session_replication_role`. Tables that later migrations create get the ordinary
grants by default privileges; run this command again after every migrate, so that a new
journal loses its UPDATE and DELETE.

Run it as the owner: with DATABASE_OWNER_URL set, this command connects as the owner and the
role is the user of DATABASE_URL. Idempotent; it checks the result and fails if the role could
still change a journal.
"""

import os
from urllib.parse import quote, urlsplit, urlunsplit

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql

TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
JOURNAL_PRIVILEGES = "SELECT, INSERT"
REFUSED_ON_JOURNALS = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")
ROLE_POWERS = ("rolsuper", "rolcreaterole", "rolcreatedb", "rolreplication", "rolbypassrls")


def journal_tables() -> list[str]:
    return [apps.get_model(label)._meta.db_table for label in settings.APPEND_ONLY_JOURNALS]


class Command(BaseCommand):
    help = (
        "Create or update the app's PostgreSQL role: full DML on ordinary tables, only INSERT "
        "and SELECT on the journals, owning nothing. Run as the schema's owner."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", help="the app's role (default: the user of DATABASE_URL)")
        parser.add_argument(
            "--password", help="set the role's password (default: leave it as it is)"
        )
        parser.add_argument(
            "--print-url",
            action="store_true",
            help="print only the app's DATABASE_URL (this database, as the role)",
        )

    def handle(self, *args, role=None, password=None, print_url=False, **options):
        if connection.vendor != "postgresql":
            raise CommandError("grant_app_role is for PostgreSQL (SQLite has no roles).")
        role = role or _role_from_database_url()
        owner = _scalar("SELECT current_user")
        if role == owner:
            raise CommandError(
                f"The app's role {role!r} is the one running this command, the owner: give the "
                "app a role of its own (DATABASE_URL) and run this as the owner "
                "(DATABASE_OWNER_URL)."
            )
        with transaction.atomic():
            _ensure_role(role, password)
            _grant(role, owner)
        problems = _problems(role, owner)
        if problems:
            raise CommandError(f"The role {role!r} is not safe: " + "; ".join(problems))
        if print_url:
            self.stdout.write(app_database_url(role, password))
            return
        journals = ", ".join(journal_tables())
        self.stdout.write(
            self.style.SUCCESS(
                f"Role {role}: owns nothing; SELECT, INSERT, UPDATE, DELETE on the tables; "
                f"only SELECT, INSERT on {journals}."
            )
        )


def _role_from_database_url() -> str:
    if not os.environ.get("DATABASE_OWNER_URL"):
        raise CommandError("--role is needed unless DATABASE_OWNER_URL is set.")
    user = urlsplit(os.environ.get("DATABASE_URL", "")).username
    if not user:
        raise CommandError("DATABASE_URL names no user: give --role.")
    return user


def _ensure_role(role: str, password: str | None) -> None:
    """Create the role if missing; set its password if given. (An owner without CREATEROLE
    can do neither: then a superuser creates the role, and this only grants.)"""
    exists = _scalar("SELECT count(*) FROM pg_roles WHERE rolname = %s", [role])
    if exists and not password:
        return
    statement = "ALTER ROLE {} LOGIN" if exists else "CREATE ROLE {} LOGIN"
    query = sql.SQL(statement).format(sql.Identifier(role))
    if password:
        query = sql.SQL("{} PASSWORD {}").format(query, sql.Literal(password))
    _execute(query)


def _grant(role: str, owner: str) -> None:
    """Everything from a clean slate, so a second run leaves what the first one did."""
    names = {
        "role": sql.Identifier(role),
        "owner": sql.Identifier(owner),
        "db": sql.Identifier(connection.settings_dict["NAME"]),
        "schema": sql.Identifier(_scalar("SELECT current_schema()")),
    }
    for statement in (
        "GRANT CONNECT ON DATABASE {db} TO {role}",
        # PostgreSQL before 15 lets everyone create tables in public; nobody but the owner may.
        "REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
        "GRANT USAGE ON SCHEMA {schema} TO {role}",
        "REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
        f"GRANT {TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA {{schema}} TO {{role}}",
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        # Tables and sequences the owner's later migrations create.
        "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
        f"GRANT {TABLE_PRIVILEGES} ON TABLES TO {{role}}",
        "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
        "GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ):
        _execute(sql.SQL(statement).format(**names))
    for table in journal_tables():
        journal = sql.Identifier(table)
        _execute(sql.SQL("REVOKE ALL ON {} FROM {}, PUBLIC").format(journal, names["role"]))
        _execute(
            sql.SQL(f"GRANT {JOURNAL_PRIVILEGES} ON {{}} TO {{}}").format(journal, names["role"])
        )


def _problems(role: str, owner: str) -> list[str]:
    """What the role could still do that it must not (inherited and PUBLIC grants included)."""
    powers = _row(f"SELECT {', '.join(ROLE_POWERS)} FROM pg_roles WHERE rolname = %s", [role])
    problems = [name[3:] for name, held in zip(ROLE_POWERS, powers, strict=True) if held]
    owned = _scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
        "WHERE r.rolname = %s",
        [role],
    )
    if owned:
        problems.append(f"owns {owned} relations")
    if _scalar("SELECT pg_has_role(%s, %s, 'USAGE')", [role, owner]):
        problems.append(f"has the privileges of {owner}")
    if _scalar("SELECT has_schema_privilege(%s, current_schema(), 'CREATE')", [role]):
        problems.append("may create tables")
    for table in journal_tables():
        for privilege in REFUSED_ON_JOURNALS:
            if _scalar("SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege]):
                problems.append(f"may {privilege} {table}")
    return problems


def app_database_url(role: str, password: str | None) -> str:
    """This database's URL as the role (the owner's URL with the user and password replaced)."""
    db = connection.settings_dict
    credentials = quote(role, safe="") + (f":{quote(password, safe='')}" if password else "")
    host = db.get("HOST") or "localhost"
    netloc = f"{credentials}@{host}" + (f":{db['PORT']}" if db.get("PORT") else "")
    return urlunsplit(("postgres", netloc, f"/{quote(db['NAME'])}", "", ""))


def _execute(query: sql.Composable) -> None:
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(cursor.connection))


def _row(query: str, params=None) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()


def _scalar(query: str, params=None):
    return _row(query, params)[0]
