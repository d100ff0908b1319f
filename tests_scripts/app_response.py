"""APP_RESPONSE: response time and availability of business applications, a loyalty driver.

A cashier waiting for a slow till system or a CRM that is down makes customers press red: this
test measures what the staff's applications do. Configure the list (every entry: a `name` that
appears in the metric names and a `url`):

    [[tests.APP_RESPONSE.parameters.applications]]
    name = "Касса"
    url = "tcp://10.0.0.5:5432"            # TCP: time to open a connection
    [[tests.APP_RESPONSE.parameters.applications]]
    name = "CRM"
    url = "https://crm.example.ru/health"  # HTTP(S): time to a complete response with status < 400

At each run (once per interval, at its end) every application is probed `probes` times,
`probe_spacing_seconds` apart, all applications in parallel. Per application:

* `{name}. Время отклика (мс)`: the mean time of the successful probes (no value if none succeeded);
  "higher is worse", default table 500 / 1000 / 2000 / 5000 ms;
* `{name}. Доступность (%)`: successful probes / probes × 100; "higher is better", default table
  99.5 / 90 / 75 / 50 (with 3 probes: all answered good, one missed edge, two missed bad).

The test measures the present: evaluating a past interval (catch-up after downtime, `backfill`)
gives no values for it instead of passing today's measurement off as history.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar, NamedTuple
from urllib.parse import urlsplit

from probe.api import EvaluationTest, Measurement, Param, TestContext, ThresholdTable

RESPONSE = "Время отклика (мс)"
AVAILABILITY = "Доступность (%)"
MAX_BODY_BYTES = 1 << 20


class Application(NamedTuple):
    name: str
    url: str
    scheme: str
    host: str
    port: int


def parse_applications(raw: list[Any]) -> list[Application]:
    """Validate the `applications` parameter; one error naming the entry and what is wrong."""
    apps: list[Application] = []
    for index, entry in enumerate(raw):
        where = f"parameter applications[{index}]"
        if not isinstance(entry, dict) or set(entry) - {"name", "url"} or not {"name", "url"} <= set(entry):
            raise ValueError(f"{where}: must be a table with exactly the keys name and url, got {entry!r}")
        name, url = str(entry["name"]).strip(), str(entry["url"]).strip()
        parts = urlsplit(url)
        if not name:
            raise ValueError(f"{where}: name is empty")
        if parts.scheme not in ("tcp", "http", "https") or not parts.hostname:
            raise ValueError(f"{where}: url {url!r} must be tcp://HOST:PORT, http://… or https://…")
        try:
            port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
        except ValueError:
            port = None
        if port is None:
            raise ValueError(f"{where}: url {url!r} needs a valid port (tcp://HOST:PORT)")
        apps.append(Application(name, url, parts.scheme, parts.hostname, port))
    names = [app.name for app in apps]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"parameter applications: names must be unique, repeated: {', '.join(duplicates)}")
    return apps


def probe_once(app: Application, timeout: float, verify_tls: bool = True) -> float | None:
    """Milliseconds to a TCP connection / a complete HTTP response, or None when it failed."""
    started = time.perf_counter()
    try:
        if app.scheme == "tcp":
            with socket.create_connection((app.host, app.port), timeout=timeout):
                pass
        else:
            context = None if verify_tls else ssl._create_unverified_context()
            request = urllib.request.Request(app.url, headers={"User-Agent": "prolan-probe APP_RESPONSE"})
            with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
                response.read(MAX_BODY_BYTES)
    except (OSError, urllib.error.URLError, ValueError):
        # HTTPError (status >= 400) is a URLError: the application answered, but not usefully.
        return None
    return (time.perf_counter() - started) * 1000.0


class AppResponse(EvaluationTest):
    name = "APP_RESPONSE"
    description = "Время отклика и доступность бизнес-приложений (TCP, HTTP)"
    interval_minutes = 10
    parameters: ClassVar[dict[str, Param]] = {
        "applications": Param([], "list of {name, url}: tcp://HOST:PORT or http(s)://…", list),
        "probes": Param(3, "probes per application and run"),
        "probe_spacing_seconds": Param(1.0, "pause between two probes of one application"),
        "timeout_seconds": Param(5.0, "a probe slower than this counts as failed"),
        "verify_tls": Param(True, "check HTTPS certificates"),
        "response_thresholds": Param([500.0, 1000.0, 2000.0, 5000.0], "t1..t4, ms, higher is worse", list),
        "availability_thresholds": Param([99.5, 90.0, 75.0, 50.0], "t1..t4, %, higher is better", list),
    }

    def run(self, ctx: TestContext) -> list[Measurement]:
        apps = parse_applications(self.params["applications"])
        probes = int(self.params["probes"])
        if probes < 1:
            raise ValueError("parameter probes must be at least 1")
        window = ctx.window
        age = dt.datetime.now(dt.UTC) - window.end
        live = age <= dt.timedelta(minutes=2 * window.interval_minutes)
        results: dict[str, list[float | None]] = {}
        if live and apps:
            with ThreadPoolExecutor(max_workers=min(16, len(apps)), thread_name_prefix="app-probe") as pool:
                futures = {app.name: pool.submit(self._probe_app, app, probes) for app in apps}
                results = {name: future.result() for name, future in futures.items()}
        elif apps:
            ctx.log.info("interval ending %s is in the past: applications are not probed", window.end)
        response_table = ThresholdTable.higher_worse(*self.params["response_thresholds"])
        availability_table = ThresholdTable.higher_better(*self.params["availability_thresholds"])
        out: list[Measurement] = []
        for app in apps:
            times = results.get(app.name)
            ok = [t for t in times or [] if t is not None]
            response = round(sum(ok) / len(ok), 1) if ok else None
            availability = round(len(ok) / len(times) * 100.0, 1) if times else None
            # The app name tells the two metrics of two apps apart in the stable key; the engine
            # transliterates it like every other key part.
            hint = app.name
            out.append(
                Measurement(
                    f"{app.name}. {RESPONSE}", response, unit="мс", thresholds=response_table, key_hint=hint
                )
            )
            out.append(
                Measurement(
                    f"{app.name}. {AVAILABILITY}",
                    availability,
                    unit="%",
                    thresholds=availability_table,
                    key_hint=hint,
                )
            )
        return out

    def _probe_app(self, app: Application, probes: int) -> list[float | None]:
        timeout = float(self.params["timeout_seconds"])
        spacing = float(self.params["probe_spacing_seconds"])
        times: list[float | None] = []
        for number in range(probes):
            if number:
                time.sleep(spacing)
            times.append(probe_once(app, timeout, bool(self.params["verify_tls"])))
        return times
