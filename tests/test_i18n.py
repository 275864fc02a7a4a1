"""The English catalogue: Vietnamese is the source language, English comes from locale/en.

The catalogue checks read the committed locale/en/LC_MESSAGES/django.po (and .mo) as they are;
they do not run makemessages, so a string added to the code but not yet extracted does not fail
here. Once extracted, an untranslated (empty) or fuzzy entry does.
"""

import gettext
import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from borrowers.models import Borrower, TransactionOffice
from loans import services
from loans.models import Loan, PositionSnapshot
from tests.api.conftest import API, token_client
from tests.conftest import approved_loan

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

OVER_APPROVAL_EN = (
    "The disbursement amount exceeds the amount still available for disbursement (30.000.000 đồng)."
)
OVER_APPROVAL_VI = "Số tiền giải ngân vượt số còn được giải ngân (30.000.000 đồng)."


# --- model and service texts in English ----------------------------------------------------


def test_model_names_are_english_under_en_and_vietnamese_by_default():
    with translation.override("en"):
        assert str(Loan._meta.verbose_name) == "loan"
        assert str(Borrower._meta.verbose_name) == "borrowing household"
        assert str(TransactionOffice._meta.verbose_name) == "transaction office"
        assert str(Loan._meta.get_field("outstanding_principal").verbose_name) == (
            "outstanding principal"
        )
    with translation.override("vi"):
        assert str(Loan._meta.verbose_name) == "khoản vay"
        assert str(Borrower._meta.verbose_name) == "hộ vay"
        assert str(TransactionOffice._meta.verbose_name) == "phòng giao dịch"


def test_status_choices_are_english_under_en():
    with translation.override("en"):
        labels = {key: str(label) for key, label in Loan._meta.get_field("status").flatchoices}
    assert labels["frozen"] == "Debt freeze"
    assert labels["written_off"] == "Written off"


@pytest.fixture
def approved(cast, household) -> Loan:
    return approved_loan(household, "HN", amount=30_000_000, term=36, by=cast.alice, due_day=10)


def test_a_service_error_speaks_the_active_language(cast, approved):
    with translation.override("en"), pytest.raises(services.LoanError) as refused:
        services.disburse(approved, amount=30_000_001, on=date(2025, 1, 10), by=cast.alice)
    assert refused.value.message == OVER_APPROVAL_EN
    assert refused.value.field == "amount"

    with translation.override("vi"), pytest.raises(services.LoanError) as refused:
        services.disburse(approved, amount=30_000_001, on=date(2025, 1, 10), by=cast.alice)
    assert refused.value.message == OVER_APPROVAL_VI


def test_the_api_answers_in_the_language_the_client_asks_for(cast, approved):
    client = token_client(cast.alice)
    path = f"{API}/loans/{approved.pk}/disbursements/"
    body = {"amount": 30_000_001, "value_date": "2025-01-10"}

    english = client.post(path, body, format="json", headers={"Accept-Language": "en"})
    assert english.status_code == 400, english.json()
    assert english.json() == {"amount": [OVER_APPROVAL_EN]}

    default = client.post(path, body, format="json")
    assert default.status_code == 400, default.json()
    assert default.json() == {"amount": [OVER_APPROVAL_VI]}


# --- the committed catalogue is complete -----------------------------------------------------


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text)


KEYWORD_LINE = re.compile(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) "(.*)"')


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file as dicts: flags, msgid, msgid_plural, msgstr (a list of forms)."""
    entries: list[dict] = []
    entry: dict | None = None
    key = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~"):  # obsolete entries are not part of the catalogue
            continue
        starts_entry = (
            (not line)
            or (line.startswith("#") and key is not None)
            or (line.startswith("msgid ") and key is not None and key != "msgctxt")
        )
        if starts_entry:
            if entry is not None and entry["msgid"] is not None:
                entries.append(entry)
            entry, key = None, None
            if not line:
                continue
        if entry is None:
            entry = {
                "flags": set(),
                "msgctxt": None,
                "msgid": None,
                "msgid_plural": None,
                "msgstr": {},
            }
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif match := KEYWORD_LINE.fullmatch(line):
            keyword, index, text = match.groups()
            key = keyword if not keyword.startswith("msgstr") else f"msgstr{int(index or 0)}"
            if key.startswith("msgstr"):
                entry["msgstr"][int(index or 0)] = _unquote(text)
            else:
                entry[keyword] = _unquote(text)
        elif line.startswith('"') and key is not None:
            text = _unquote(line[1:-1])
            if key.startswith("msgstr"):
                entry["msgstr"][int(key[6:])] += text
            else:
                entry[key] += text
        else:
            raise AssertionError(f"unreadable line in {path.name}: {raw!r}")
    if entry is not None and entry["msgid"] is not None:
        entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[dict]:
    assert PO_PATH.exists(), "run makemessages -l en"
    entries = parse_po(PO_PATH)
    assert entries and entries[0]["msgid"] == ""
    return entries


def test_the_header_declares_english_and_its_plural_rule(po_entries):
    header = po_entries[0]
    assert "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header["msgstr"][0]


def test_every_entry_is_translated_and_none_is_fuzzy(po_entries):
    messages = po_entries[1:]
    assert len(messages) > 100
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    expected_forms = {0, 1}
    untranslated = [
        e["msgid"]
        for e in messages
        if not e["msgstr"]
        or not all(e["msgstr"].values())
        or (e["msgid_plural"] is not None and set(e["msgstr"]) != expected_forms)
    ]
    assert fuzzy == [], f"fuzzy entries in {PO_PATH.name}: {fuzzy}"
    assert untranslated == [], f"untranslated entries in {PO_PATH.name}: {untranslated}"


PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def test_translations_keep_every_placeholder(po_entries):
    broken = [
        (e["msgid"], form)
        for e in po_entries[1:]
        for form in e["msgstr"].values()
        if sorted(PLACEHOLDER.findall(e["msgid_plural"] or e["msgid"]))
        != sorted(PLACEHOLDER.findall(form))
    ]
    assert broken == []


def test_the_compiled_catalogue_matches_the_po_file(po_entries):
    """django.mo is committed for machines without gettext: it must not lag behind the .po."""
    assert MO_PATH.exists(), "run compilemessages -l en"
    with MO_PATH.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog
    stale = []
    for e in po_entries[1:]:
        msgid = e["msgid"] if e["msgctxt"] is None else f"{e['msgctxt']}\x04{e['msgid']}"
        if e["msgid_plural"] is None:
            if catalogue.get(msgid) != e["msgstr"][0]:
                stale.append(e["msgid"])
        elif any(catalogue.get((msgid, n)) != text for n, text in e["msgstr"].items()):
            stale.append(e["msgid"])
    assert stale == [], f"recompile: {stale}"


def test_a_message_kept_in_a_constant_is_translated_where_it_is_used():
    from loans.reconciliation.selectors import NOT_RECONCILED

    with translation.override("en"):
        text = translation.gettext(NOT_RECONCILED) % {"m": "10/2026"}
    assert text == "Reconciliation has not been run for this month yet (month 10/2026)."


def test_a_run_time_reads_in_the_interface_language():
    from datetime import UTC, datetime, timedelta

    from django.contrib import admin

    from tasks.models import JobRun

    started = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
    run = JobRun(started_at=started, finished_at=started + timedelta(seconds=65))
    model_admin = admin.site._registry[JobRun]
    # 65 seconds = 1 minute 5 seconds.
    assert model_admin.duration(run) == "1 phút 5 giây"
    with translation.override("en"):
        assert model_admin.duration(run) == "1 min 5 s"


def test_plural_model_names_are_english_plurals_and_vietnamese_unchanged():
    # Vietnamese has one form; the English catalogue tells them apart by the "plural" context.
    assert str(Loan._meta.verbose_name_plural) == "khoản vay"
    with translation.override("en"):
        assert str(Loan._meta.verbose_name_plural) == "loans"
        assert str(Borrower._meta.verbose_name_plural) == "borrowing households"
        assert str(TransactionOffice._meta.verbose_name_plural) == "transaction offices"


# --- the Vietnamese catalogue: Django's strings that its own vi catalogue leaves in English ---

VI_DIR = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES"
DJANGO_DIR = Path(__import__("django").__file__).parent


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_vietnamese_catalogue_is_complete_and_compiled(domain):
    po = VI_DIR / f"{domain}.po"
    entries = parse_po(po)
    header = entries[0]["msgstr"][0]
    assert "Language: vi\n" in header and "Plural-Forms: nplurals=1; plural=0;\n" in header
    messages = entries[1:]
    assert messages
    assert [e["msgid"] for e in messages if "fuzzy" in e["flags"]] == []
    # Vietnamese has one plural form.
    assert [e["msgid"] for e in messages if set(e["msgstr"]) != {0} or not e["msgstr"][0]] == []
    assert [
        e["msgid"]
        for e in messages
        if sorted(PLACEHOLDER.findall(e["msgid_plural"] or e["msgid"]))
        != sorted(PLACEHOLDER.findall(e["msgstr"][0]))
    ] == []
    with (VI_DIR / f"{domain}.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog
    stale = []
    for e in messages:
        msgid = e["msgid"] if e["msgctxt"] is None else f"{e['msgctxt']}\x04{e['msgid']}"
        key = msgid if e["msgid_plural"] is None else (msgid, 0)
        if catalogue.get(key) != e["msgstr"][0]:
            stale.append(e["msgid"])
    assert stale == [], f"recompile {domain}.po: {stale}"


# Texts that read the same in Vietnamese.
SAME_IN_VIETNAMESE = {"…", "%(class_name)s %(instance)s"}


def _untranslated_under_vi(source: Path, domain: str) -> list[str]:
    """msgids of Django's English source catalogue that stay English under `vi`."""
    from django.utils.translation.trans_real import DjangoTranslation

    catalogue = DjangoTranslation("vi", domain=domain)
    left = []
    for e in parse_po(source)[1:]:
        if e["msgid"] in SAME_IN_VIETNAMESE:
            continue
        if e["msgid_plural"] is not None:
            shown = catalogue.ngettext(e["msgid"], e["msgid_plural"], 1)
        elif e["msgctxt"] is not None:
            shown = catalogue.pgettext(e["msgctxt"], e["msgid"])
        else:
            shown = catalogue.gettext(e["msgid"])
        if shown == e["msgid"]:
            left.append(e["msgid"])
    return left


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_string_of_django_admin_is_vietnamese_under_vi(domain):
    source = DJANGO_DIR / "contrib" / "admin" / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
    assert _untranslated_under_vi(source, domain) == []


ENGLISH_SLIPS = [
    "Please correct",
    "Show counts",
    "Hide counts",
    "Skip to main content",
    "Toggle theme",
    "Filter navigation items",
    "Toggle navigation",
]


def test_the_admin_pages_show_no_english_under_vi(cast, household, client):
    from django.urls import reverse

    client.force_login(cast.alice)
    pages = {
        "index": client.get("/admin/"),
        "households": client.get(reverse("admin:borrowers_borrower_changelist"), {"_facets": 1}),
        "refused": client.post(reverse("admin:borrowers_borrower_add"), {"national_id": "1"}),
        "positions": client.get(reverse("admin:loans_positionsnapshot_changelist")),
    }
    assert pages["refused"].status_code == 200
    for name, response in pages.items():
        html = response.content.decode()
        assert [slip for slip in ENGLISH_SLIPS if slip in html] == [], name


def test_every_list_column_is_vietnamese_and_translated_to_english():
    """Each changelist column of the project's admin: its Vietnamese heading under vi, another
    under en ("LOAN", "OFFICE" were field names without a verbose name)."""
    from django.contrib import admin
    from django.contrib.admin.utils import label_for_field

    columns = [
        (model, name, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model.__module__.split(".")[0] in PROJECT_APPS
        for name in model_admin.list_display
        if name not in ("__str__", "action_checkbox", "id")  # "ID" reads the same
    ]
    assert len(columns) > 50
    same = []
    for model, name, model_admin in columns:
        with translation.override("vi"):
            vietnamese = str(label_for_field(name, model, model_admin))
        with translation.override("en"):
            english = str(label_for_field(name, model, model_admin))
        if vietnamese == english:
            same.append(f"{model._meta.label}.{name}: {vietnamese}")
    assert same == []
    with translation.override("vi"):
        snapshot = [
            str(label_for_field(name, PositionSnapshot, None))
            for name in ("loan", "office", "programme")
        ]
    assert snapshot == ["khoản vay", "phòng giao dịch", "chương trình"]


# --- model fields: a Vietnamese name, translated to English ------------------------------------

PROJECT_APPS = {"borrowers", "loans", "programmes", "tasks", "core"}


def _project_fields():
    from django.apps import apps

    for model in apps.get_models():
        if model.__module__.split(".")[0] not in PROJECT_APPS:
            continue
        historical = model.__name__.startswith("Historical")
        for field in model._meta.get_fields():
            if not field.concrete or (field.auto_created and field.primary_key):
                continue
            if historical and (field.name == "id" or field.name.startswith("history_")):
                continue  # the copied key and django-simple-history's own columns
            yield model, field


def test_every_model_field_has_a_vietnamese_name_translated_to_english():
    from django.utils.functional import Promise

    fields = list(_project_fields())
    assert len(fields) > 200
    unmarked = [
        f"{m._meta.label}.{f.name}" for m, f in fields if not isinstance(f.verbose_name, Promise)
    ]
    assert unmarked == [], "verbose_name=_('...') missing"
    with translation.override("en"):
        english = {(m, f.name): str(f.verbose_name) for m, f in fields}
    with translation.override("vi"):
        vietnamese = {(m, f.name): str(f.verbose_name) for m, f in fields}
    untranslated = [
        f"{m._meta.label}.{name}"
        for (m, name), text in vietnamese.items()
        if english[(m, name)] == text
    ]
    assert untranslated == [], "no English in locale/en"


# --- the report pages under en --------------------------------------------------------------


@pytest.fixture
def back_to_vietnamese():
    yield
    translation.activate(settings.LANGUAGE_CODE)  # a request under `en` leaves it active


def test_the_report_pages_are_english_under_en(cast, client, back_to_vietnamese):
    client.force_login(cast.carol)
    headers = {"Accept-Language": "en"}
    portfolio = client.get("/admin/reports/portfolioreport/", headers=headers).content.decode()
    assert "Portfolio report" in portfolio and "Báo cáo dư nợ" not in portfolio
    for english in ("Lending and collections", "Arrears ageing", "Group by", "Show report"):
        assert english in portfolio, english
    assert "Outstanding by programme (đồng)" in portfolio  # the chart's title
    ageing = client.get(
        "/admin/reports/portfolioreport/arrears-ageing/", headers=headers
    ).content.decode()
    for english in ("Arrears ageing report", "Ageing bucket", "Overdue more than 360 days"):
        assert english in ageing, english
    assert "Quá hạn" not in ageing
