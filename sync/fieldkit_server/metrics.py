"""Metrics a monitoring system can scrape: counters and histograms in Prometheus's text format.

``prometheus-client`` is not among the server's dependencies, and the server needs only labelled
counters and histograms kept per process, so this module writes the text exposition format
(version 0.0.4) itself. Each app builds its own :class:`ServerMetrics`; nothing is process-wide.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

#: The Content-Type of the text exposition format.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

#: Request latency buckets, in seconds: a pull page takes tens of milliseconds, a big push seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

Labels = tuple[str, ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if value == float("inf"):
        return "+Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _series(name: str, names: Labels, values: Labels, extra: str = "") -> str:
    pairs = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        pairs.append(extra)
    return f"{name}{{{','.join(pairs)}}}" if pairs else name


@dataclass
class Counter:
    """A count that only goes up, one per combination of label values."""

    name: str
    help: str
    labels: Labels = ()
    _values: dict[Labels, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def inc(self, *values: str, amount: float = 1) -> None:
        """Add ``amount`` to the series with these label values (in the order of ``labels``)."""
        if len(values) != len(self.labels):
            raise ValueError(f"{self.name} takes labels {self.labels}")
        with self._lock:
            self._values[values] = self._values.get(values, 0) + amount

    def value(self, *values: str) -> float:
        with self._lock:
            return self._values.get(values, 0)

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} counter"
        with self._lock:
            items = sorted(self._values.items())
        if not items and not self.labels:
            items = [((), 0)]
        for values, count in items:
            yield f"{_series(self.name, self.labels, values)} {_number(count)}"


@dataclass
class _Distribution:
    buckets: list[int]
    total: float = 0.0
    count: int = 0


@dataclass
class Histogram:
    """Observations counted into cumulative buckets, with their sum and count, per label values."""

    name: str
    help: str
    labels: Labels = ()
    bounds: Sequence[float] = LATENCY_BUCKETS
    _values: dict[Labels, _Distribution] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def observe(self, amount: float, *values: str) -> None:
        if len(values) != len(self.labels):
            raise ValueError(f"{self.name} takes labels {self.labels}")
        with self._lock:
            found = self._values.get(values)
            if found is None:
                found = self._values[values] = _Distribution([0] * len(self.bounds))
            # Stored per bucket, not cumulatively; the cumulative counts are summed on render.
            index = bisect_left(self.bounds, amount)
            if index < len(self.bounds):
                found.buckets[index] += 1
            found.total += amount
            found.count += 1

    def count(self, *values: str) -> int:
        with self._lock:
            found = self._values.get(values)
            return found.count if found else 0

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        with self._lock:
            items = sorted(
                (k, _Distribution(list(v.buckets), v.total, v.count))
                for k, v in self._values.items()
            )
        for values, found in items:
            running = 0
            for bound, n in zip(self.bounds, found.buckets, strict=True):
                running += n
                le = f'le="{_number(bound)}"'
                yield f"{_series(self.name + '_bucket', self.labels, values, le)} {running}"
            inf = _series(self.name + "_bucket", self.labels, values, 'le="+Inf"')
            yield f"{inf} {found.count}"
            yield f"{_series(self.name + '_sum', self.labels, values)} {_number(found.total)}"
            yield f"{_series(self.name + '_count', self.labels, values)} {found.count}"


class ServerMetrics:
    """What one server process counts. Labels hold route templates and codes, never ids."""

    def __init__(self) -> None:
        self.requests = Counter(
            "fieldkit_http_requests_total",
            "HTTP requests answered, by method, route template and status.",
            ("method", "route", "status"),
        )
        self.latency = Histogram(
            "fieldkit_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status.",
            ("method", "route", "status"),
        )
        self.errors = Counter(
            "fieldkit_http_server_errors_total",
            "Requests answered with a 5xx status (the server's fault or its database's).",
            ("route", "status"),
        )
        self.changes_pushed = Counter(
            "fieldkit_sync_changes_pushed_total",
            "Changes received in pushes, by result: applied, duplicate or rejected.",
            ("status",),
        )
        self.records_pulled = Counter(
            "fieldkit_sync_records_pulled_total", "Records sent to laptops in pull pages."
        )
        self.purges = Counter(
            "fieldkit_sync_purges_total", "Records laptops were told to delete in pull pages."
        )
        self.login_failures = Counter(
            "fieldkit_login_failures_total",
            "Refused sign-ins, by reason: refused (unknown user or wrong password), "
            "rate_limited, device_revoked, disabled.",
            ("reason",),
        )

    def render(self) -> str:
        """Every metric in the text exposition format."""
        lines: list[str] = []
        for metric in (
            self.requests,
            self.latency,
            self.errors,
            self.changes_pushed,
            self.records_pulled,
            self.purges,
            self.login_failures,
        ):
            lines.extend(metric.render())
        return "\n".join(lines) + "\n"
