"""A fast reader of an .xlsx workbook's cell values (what openpyxl's read-only mode gives with
`values_only`, at several times its speed): each sheet's XML streamed once with ElementTree's
C parser, no cell object per value. Strings (shared or inline), numbers (int when whole),
booleans, and dates (numbers in a date format, by the workbook's styles and epoch)."""

import html
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from xml.etree.ElementTree import iterparse

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
# A sheet's rows and cells, without namespace prefixes (as Excel, LibreOffice, openpyxl write).
ROW = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
ROW_NUMBER = re.compile(r'\br="(\d+)"')
CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
CELL_REF_ATTR = re.compile(r'\br="([A-Z]+\d+)"')
CELL_TYPE = re.compile(r'\bt="(\w+)"')
CELL_STYLE = re.compile(r'\bs="(\d+)"')
VALUE = re.compile(r"<v>(.*?)</v>", re.S)
TEXT = re.compile(r"<t(?:\s[^>]*)?>(.*?)</t>", re.S)
RPH = re.compile(r"<rPh\b.*?</rPh>", re.S)
# The common layout (Excel's, openpyxl's, export.py's: attributes r, s, t in that order; a
# cell holds a <v> or one plain inline <t>), matched over a whole sheet's bytes at once. A
# sheet with any other row or cell (a formula, rich text, other attributes) is read by `_rows`:
# the matches are counted against every "<row" and "<c" of the sheet's data (where any other
# element starting so, such as a rich text's <color>, only sends the sheet to `_rows`).
FAST = re.compile(
    rb'(<row)(?: r="(\d+)")?(?![^>]* r=")[^>]*>'
    rb'|<c(?: r="([A-Z]{1,3})\d+")?(?: s="(\d+)")?(?: t="(\w+)")?'
    rb' ?(?:/>|>(?:<v>([^<]*)</v>|(<is>)<t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>)'
)

Rows = list[tuple[int, list[object]]]


class Unsupported(Exception):
    """A workbook this reader does not read (the caller falls back to openpyxl)."""


def read_xlsx(data: bytes) -> dict[str, Rows]:
    """Each sheet's rows by title: (row number in the file, values from column A)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets, epoch = _sheets(archive)
        strings = _shared_strings(archive)
        dates = _date_styles(archive)
        return {
            title: _sheet_rows(archive.open(part).read(), strings, dates, epoch)
            for title, part in sheets
        }


def _sheet_rows(xml: bytes, strings: list[str], dates: set[int], epoch) -> Rows:
    """A sheet's rows: by the fast path when every row and cell has the common layout."""
    start, end = xml.find(b"<sheetData"), xml.rfind(b"</sheetData>")
    if start < 0:
        raise Unsupported("a sheet written with namespace prefixes")
    first = xml.index(b">", start) + 1
    last = end if end > start else first
    rows, cells, out = _fast_rows(FAST.finditer(xml, first, last), strings, dates, epoch)
    if rows != xml.count(b"<row", first, last) or cells != xml.count(b"<c", first, last):
        return list(_rows(xml.decode("utf-8"), strings, dates, epoch))
    return out


def _sheets(archive: zipfile.ZipFile) -> tuple[list[tuple[str, str]], object]:
    targets = {}
    for _event, rel in iterparse(archive.open("xl/_rels/workbook.xml.rels")):
        if rel.tag == f"{PACKAGE_REL}Relationship":
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            targets[rel.get("Id")] = posixpath.normpath(path)
    sheets, epoch = [], CALENDAR_WINDOWS_1900
    for _event, element in iterparse(archive.open("xl/workbook.xml")):
        if element.tag == f"{MAIN}workbookPr" and element.get("date1904") in ("1", "true"):
            epoch = CALENDAR_MAC_1904
        elif element.tag == f"{MAIN}sheet":
            sheets.append((element.get("name", ""), targets[element.get(f"{REL}id")]))
    return sheets, epoch


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings = []
    for _event, element in iterparse(archive.open("xl/sharedStrings.xml")):
        if element.tag == f"{MAIN}si":
            strings.append(_text(element))
            element.clear()
    return strings


def _text(element) -> str:
    """The text of an <si> or <is>: its <t>, or its runs' <t>s (not the phonetic ones)."""
    parts = [t.text or "" for t in element.iter(f"{MAIN}t")]
    phonetic = {id(t) for rph in element.iter(f"{MAIN}rPh") for t in rph.iter(f"{MAIN}t")}
    if phonetic:
        parts = [t.text or "" for t in element.iter(f"{MAIN}t") if id(t) not in phonetic]
    return "".join(parts)


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """The indexes (cell `s`) of the cell formats that show a date."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    custom: dict[int, str] = {}
    styles, in_xfs = [], False
    for event, element in iterparse(archive.open("xl/styles.xml"), events=("start", "end")):
        if element.tag == f"{MAIN}cellXfs":
            in_xfs = event == "start"
        elif event == "end" and element.tag == f"{MAIN}numFmt":
            custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
        elif event == "end" and in_xfs and element.tag == f"{MAIN}xf":
            styles.append(int(element.get("numFmtId", "0")))
    formats = {**BUILTIN_FORMATS, **custom}
    return {i for i, fmt in enumerate(styles) if fmt in formats and is_date_format(formats[fmt])}


def _fast_rows(
    found: Iterator[re.Match[bytes]], strings: list[str], dates: set[int], epoch
) -> tuple[int, int, Rows]:
    """The rows from the fast path's matches (a row's start, then its cells: see `FAST`),
    with the number of rows and of cells matched."""
    out: Rows = []
    columns: dict[bytes, int] = {}
    values: list[object] = []
    number = cells = 0
    for match in found:
        is_row, row_number, letters, style, kind, raw, inline, text = match.groups()
        if is_row:
            number = int(row_number) if row_number else number + 1
            values = []
            out.append((number, values))
            continue
        cells += 1
        if letters:
            column = columns.get(letters)
            if column is None:
                column = columns[letters] = _column(f"{letters.decode()}1", 0)
            if column > len(values):
                values.extend([None] * (column - len(values)))
        values.append(_fast_value(kind, style, raw, inline, text, strings, dates, epoch))
    return len(out), cells, out


def _fast_value(kind, style, raw, inline, text, strings, dates, epoch) -> object:
    """One cell's value from the fast path's groups (bytes, None when absent)."""
    if kind is None or kind == b"n":
        if not raw:
            return None
        if b"." in raw or b"E" in raw or b"e" in raw:
            number = float(raw)
            if style and int(style) in dates:
                return from_excel(number, epoch)
            return int(number) if number.is_integer() else number
        if style and int(style) in dates:
            return from_excel(int(raw), epoch)
        return int(raw)
    if kind == b"s":
        return strings[int(raw)] if raw else None
    if kind == b"inlineStr":
        return _unescape(text.decode("utf-8")) if inline else None
    if kind == b"b":
        return raw == b"1" if raw else None
    return _unescape(raw.decode("utf-8")) if raw else None  # str, e, d


def _rows(xml: str, strings: list[str], dates: set[int], epoch) -> Iterator[tuple[int, list]]:
    """The rows of a sheet's XML, scanned by regular expressions (no element per cell)."""
    number = 0
    for match in ROW.finditer(xml):
        attributes, body = match.group(1), match.group(2) or ""
        found = ROW_NUMBER.search(attributes)
        number = int(found.group(1)) if found else number + 1
        values: list[object] = []
        for cell in CELL.finditer(body):
            ref = CELL_REF_ATTR.search(cell.group(1))
            column = _column(ref.group(1) if ref else None, len(values))
            values.extend([None] * (column - len(values)))
            values.append(_value(cell.group(1), cell.group(2) or "", strings, dates, epoch))
        yield number, values


def _column(ref: str | None, default: int) -> int:
    match = CELL_REF.match(ref or "")
    if not match:
        return default
    index = 0
    for letter in match.group(1):
        index = index * 26 + ord(letter) - 64
    return index - 1


def _value(attributes: str, body: str, strings: list[str], dates: set[int], epoch) -> object:
    found = CELL_TYPE.search(attributes)
    kind = found.group(1) if found else "n"
    if kind == "inlineStr":
        return _unescape("".join(TEXT.findall(RPH.sub("", body)))) if "<is" in body else None
    value = VALUE.search(body)
    if value is None:
        return None
    raw = _unescape(value.group(1))
    if kind == "s":
        return strings[int(raw)]
    if kind in ("str", "e", "d"):
        return raw
    if kind == "b":
        return raw == "1"
    number = float(raw) if any(c in raw for c in ".eE") else int(raw)
    style = CELL_STYLE.search(attributes)
    if style and int(style.group(1)) in dates:
        return from_excel(number, epoch)
    return int(number) if isinstance(number, float) and number.is_integer() else number


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text


# --- Writing -----------------------------------------------------------------------------------
# A workbook of plain values streamed as XML text (no cell object per value, as openpyxl's
# normal mode makes): what export.py writes for a whole book. Cells follow core.exports'
# rule: a number is a number, any other value a text cell (never a formula), characters XML
# cannot hold dropped, a text a spreadsheet would take for a formula marked with the quote
# prefix (style 1).

OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{OFFICE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{OFFICE}.styles+xml"/>'
    "{sheets}</Types>"
)
SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="' + OFFICE + '.worksheet+xml"/>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{sheets}"
    '<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/></Relationships>'
)
SHEET_REL = (
    '<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
)
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_xlsx(sheets: dict[str, list[Sequence[object]]]) -> bytes:
    """An .xlsx of the given sheets (title: rows, the first row being the header)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        numbers = range(1, len(sheets) + 1)
        archive.writestr(
            "[Content_Types].xml",
            CONTENT_TYPES.format(sheets="".join(SHEET_TYPE.format(n=n) for n in numbers)),
        )
        archive.writestr("_rels/.rels", ROOT_RELS)
        titles = "".join(
            f'<sheet name="{html.escape(title)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, title in zip(numbers, sheets, strict=True)
        )
        archive.writestr("xl/workbook.xml", WORKBOOK.format(sheets=titles))
        rels = "".join(SHEET_REL.format(n=n) for n in numbers)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(sheets=rels))
        archive.writestr("xl/styles.xml", STYLES)
        for n, rows in zip(numbers, sheets.values(), strict=True):
            with archive.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as part:
                part.write(SHEET_HEAD.encode())
                for chunk in _sheet_xml(rows):
                    part.write(chunk.encode("utf-8"))
                part.write(SHEET_TAIL.encode())
    return buffer.getvalue()


def _sheet_xml(rows: list[Sequence[object]], chunk: int = 2000) -> Iterator[str]:
    """The <row> elements, `chunk` rows per string."""
    letters: list[str] = []
    parts: list[str] = []
    for number, values in enumerate(rows, start=1):
        while len(letters) < len(values):
            letters.append(get_column_letter(len(letters) + 1))
        cells = "".join(
            _cell_xml(f"{letters[i]}{number}", v)
            for i, v in enumerate(values)
            if v is not None and v != ""
        )
        parts.append(f'<row r="{number}">{cells}</row>')
        if len(parts) == chunk:
            yield "".join(parts)
            parts = []
    yield "".join(parts)


def _cell_xml(ref: str, value: object) -> str:
    kind = type(value)
    if kind is int or kind is float or (kind is Decimal):
        return f'<c r="{ref}" t="n"><v>{value}</v></c>'
    if kind is bool:
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'  # type: ignore[call-overload]
    if isinstance(value, datetime):
        value = value.date().isoformat()
    elif isinstance(value, date):
        value = value.isoformat()
    elif isinstance(value, int | float | Decimal):  # a subclass of a number
        return f'<c r="{ref}" t="n"><v>{value}</v></c>'
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    style = ' s="1"' if text.startswith(FORMULA_STARTS) else ""
    space = ' xml:space="preserve"' if text != text.strip() else ""
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'
