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
from loans.models import Loan
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
