"""The measuring client: plain HTTP/1.1 keep-alive connections on loopback (http.client, nothing between).

Requests carry the session cookie the runner made and X-Forwarded-Proto: https, as they would arrive from
the TLS proxy in front of gunicorn in production.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from bench.runner.server import LOOPBACK


class HttpError(RuntimeError):
    pass


@dataclass
class Session:
    """Cookies of one signed-in user (the session cookie, and the CSRF cookie once a form has been fetched)."""

    cookies: dict[str, str] = field(default_factory=dict)
    csrf_cookie_name: str = "csrftoken"

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def remember(self, response: http.client.HTTPResponse) -> None:
        for value in response.headers.get_all("Set-Cookie") or []:
            pair = value.split(";", 1)[0]
            name, _, content = pair.partition("=")
            if content:
                self.cookies[name.strip()] = content.strip()


class Client:
    """One keep-alive connection to the server; `get`/`post` return (status, body bytes, elapsed ms)."""

    def __init__(self, port: int, session: Session, *, timeout: float = 600.0) -> None:
        self.port = port
        self.session = session
        self.timeout = timeout
        self.conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {
            "Host": f"{LOOPBACK}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept": "text/html",
            "Cookie": self.session.header(),
        }
        headers.update(extra or {})
        return headers

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, float]:
        all_headers = self._headers(headers)
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                content = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # the server closed an idle keep-alive connection: reconnect once (not timed)
                self.conn.close()
                self.conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=self.timeout)
                if attempt == 2:
                    raise
                continue
            elapsed = (time.perf_counter() - started) * 1000
            self.session.remember(response)
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
            return response.status, content, elapsed
        raise HttpError("unreachable")

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, float]:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: dict[str, str], headers: dict[str, str] | None = None) -> tuple[int, bytes, float]:
        body = urllib.parse.urlencode(data).encode()
        extra = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"https://{LOOPBACK}:{self.port}{path}",
            **(headers or {}),
        }
        return self.request("POST", path, body=body, headers=extra)

    def close(self) -> None:
        self.conn.close()


Call = Callable[[Client], tuple[int, bytes, float]]


def expect(status: int, wanted: tuple[int, ...], what: str, body: bytes = b"") -> None:
    if status not in wanted:
        hint = ""
        if status in (301, 302):
            hint = " (redirected: is the session signed in, and two-factor verified?)"
        snippet = body[:300].decode("utf-8", "replace").replace("\n", " ")
        raise HttpError(f"{what}: HTTP {status}{hint} {snippet}".strip())


@dataclass
class Timings:
    values: list[float]
    stopped_early: bool = False


def measure(
    client: Client,
    call: Call,
    *,
    what: str,
    requests: int,
    warmup: int,
    budget_seconds: float,
    ok: tuple[int, ...] = (200,),
) -> Timings:
    """Up to `warmup` untimed calls (at least one; no more once a fifth of the time budget is spent), then up to
    `requests` timed ones, stopping early when the time budget is spent."""
    warm_until = time.monotonic() + budget_seconds / 5
    for _ in range(max(warmup, 1)):
        status, body, _ = call(client)
        expect(status, ok, what, body)
        if time.monotonic() > warm_until:
            break
    values: list[float] = []
    deadline = time.monotonic() + budget_seconds
    while len(values) < requests:
        status, body, elapsed = call(client)
        expect(status, ok, what, body)
        values.append(elapsed)
        if time.monotonic() > deadline:
            return Timings(values, stopped_early=len(values) < requests)
    return Timings(values)


@dataclass
class Throughput:
    clients: int
    seconds: float
    completed: int
    latencies: list[float]
    errors: list[str]

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0


def throughput(
    make_client: Callable[[], Client], call: Call, *, clients: int, seconds: float, warmup_seconds: float = 2.0
) -> Throughput:
    """`clients` threads, each on its own connection, calling back to back; counted after a warm-up."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    start_line = threading.Barrier(clients + 1)
    window: dict[str, float] = {}

    def worker(index: int) -> None:
        client = make_client()
        try:
            start_line.wait()
            while time.monotonic() < window["end"]:
                status, _, elapsed = call(client)
                if status != 200:
                    errors.append(f"HTTP {status}")
                    return
                if time.monotonic() >= window["start"]:
                    latencies[index].append(elapsed)
        except Exception as exc:  # noqa: BLE001 - reported in the results
            errors.append(repr(exc))
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    now = time.monotonic()
    window["start"] = now + warmup_seconds
    window["end"] = now + warmup_seconds + seconds
    start_line.wait()
    for thread in threads:
        thread.join()
    flat = [value for values in latencies for value in values]
    return Throughput(clients=clients, seconds=seconds, completed=len(flat), latencies=flat, errors=errors)


# --- Forms -----------------------------------------------------------------------------------------


class _FormFields(HTMLParser):
    """The fields a browser would submit for the first form whose action contains `action_part`."""

    def __init__(self, action_part: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action_part = action_part
        self.inside = False
        self.done = False
        self.action = ""
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form" and not self.done and self.action_part in a.get("action", ""):
            self.inside, self.action = True, a.get("action", "")
            return
        if not self.inside:
            return
        name = a.get("name", "")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "image", "file"):
                self.fields.setdefault(name, a.get("value", ""))
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self.fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.setdefault(name, "")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            self.fields.setdefault(self._select, self._select_first or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_fields(html: str, action_part: str) -> tuple[str, dict[str, str]]:
    """(action, fields) of the first form whose action contains `action_part`, as a browser would submit it."""
    parser = _FormFields(action_part)
    parser.feed(html)
    if not parser.action and not parser.done:
        raise HttpError(f"No form posting to …{action_part}… on the page")
    return parser.action, parser.fields
