"""InfluxDB sinks: v2 through ``influxdb-client`` (async), 1.x through line protocol ``/write``.

Both write measurement ``meter_reading`` (tags ``device`` and ``source``, one field per
quantity, nanosecond timestamps from the reading) and ``meter_cost`` (tags ``device`` and
``currency``; fields ``today``, ``this_month``, ``last_month``, at the newest reading's time).
VictoriaMetrics accepts the v2 writes (bucket and org are ignored there); it keeps
duplicate samples unless started with ``-dedup.minScrapeInterval``, so set that when a
replay after a crash must not double.

A retraction (a point a correction replaced) is an InfluxQL ``DELETE`` of that one point
on 1.x and a ``/api/v2/delete`` of it on 2.x. VictoriaMetrics deletes whole series only:
it answers the v2 delete with an error, the point stays there (logged once per sink), and
the corrected value sits beside it under ``source=manual``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import aiohttp
from influxdb_client.client.influxdb_client_async import InfluxDBClientAsync
from influxdb_client.domain.write_precision import WritePrecision
from influxdb_client.rest import ApiException

from ...core.config.storage import InfluxV1Config, InfluxV2Config
from ...core.measurements import READING
from ...core.runtime.logs import kv
from ..outbox import QueuedReading
from .base import SinkRefused, SinkUnavailable, epoch_ns, in_order, line_protocol

log = logging.getLogger("meterhub.storage.influx")
# The whole batch is bad and stays bad (line protocol or type conflict).
REFUSED_STATUSES = frozenset({400, 422})
# Answers of a server without point deletion (VictoriaMetrics to /api/v2/delete).
NO_DELETE_STATUSES = frozenset({400, 404, 405, 501})


def _influxql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _rfc3339_ns(ns: int) -> str:
    """A nanosecond instant as the delete API takes it (datetime stops at microseconds)."""
    seconds, rest = divmod(ns, 1_000_000_000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{rest:09d}Z"


def _predicate_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _describe(status: int, text: str) -> str:
    return f"HTTP {status}: {text.strip()[:300]}"


class InfluxV2Sink:
    def __init__(self, name: str, config: InfluxV2Config) -> None:
        self.name = name
        self.config = config
        self._client: InfluxDBClientAsync | None = None
        self._told_no_delete = False

    async def start(self) -> None:
        self._client = InfluxDBClientAsync(
            url=self.config.url,
            token=self.config.token.get_secret_value(),
            org=self.config.org,
            timeout=int(self.config.timeout_s * 1000),
        )

    async def write(self, batch: list[QueuedReading]) -> None:
        for retract, rows in in_order(batch):
            await (self._retract(rows) if retract else self._write(rows))

    async def _write(self, rows: list[QueuedReading]) -> None:
        assert self._client is not None, "start() first"
        try:
            await self._client.write_api().write(
                bucket=self.config.bucket,
                org=self.config.org,
                record=line_protocol(rows),
                write_precision=WritePrecision.NS,
            )
        except ApiException as error:
            message = _describe(error.status or 0, str(error.body or error.reason))
            if error.status in REFUSED_STATUSES:
                raise SinkRefused(message) from None
            raise SinkUnavailable(message) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise SinkUnavailable(f"{type(error).__name__}: {error}") from None

    async def _retract(self, rows: list[QueuedReading]) -> None:
        assert self._client is not None, "start() first"
        for q in rows:
            moment = epoch_ns(q.ts)
            predicate = (
                f'_measurement="{READING}" AND device={_predicate_string(q.device)} '
                f"AND source={_predicate_string(q.source)}"
            )
            try:
                await self._client.delete_api().delete(
                    start=_rfc3339_ns(moment), stop=_rfc3339_ns(moment + 1), predicate=predicate,
                    bucket=self.config.bucket, org=self.config.org,
                )  # fmt: skip
            except ApiException as error:
                if error.status not in NO_DELETE_STATUSES:
                    raise SinkUnavailable(_describe(error.status or 0, str(error.body))) from None
                if not self._told_no_delete:
                    self._told_no_delete = True
                    log.warning(
                        "this server cannot delete a point: a corrected reading's wrong "
                        "point stays beside the manual one",
                        extra=kv(sink=self.name, device=q.device, ts=q.ts_iso, source=q.source,
                                 answer=_describe(error.status or 0, str(error.body))),
                    )  # fmt: skip
            except (aiohttp.ClientError, TimeoutError, OSError) as error:
                raise SinkUnavailable(f"{type(error).__name__}: {error}") from None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


class InfluxV1Sink:
    def __init__(self, name: str, config: InfluxV1Config) -> None:
        self.name = name
        self.config = config
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        auth = None
        if self.config.username:
            password = self.config.password.get_secret_value() if self.config.password else ""
            auth = aiohttp.BasicAuth(self.config.username, password)
        self._session = aiohttp.ClientSession(
            base_url=self.config.url.rstrip("/") + "/",
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=self.config.timeout_s),
        )

    async def write(self, batch: list[QueuedReading]) -> None:
        for retract, rows in in_order(batch):
            await (self._retract(rows) if retract else self._write(rows))

    async def _retract(self, rows: list[QueuedReading]) -> None:
        """One InfluxQL ``DELETE`` per point (a point is its tags and its time)."""
        statement = ";".join(
            f"DELETE FROM {READING} WHERE device = {_influxql_string(q.device)} "
            f"AND source = {_influxql_string(q.source)} AND time = {epoch_ns(q.ts)}"
            for q in rows
        )
        params = {"db": self.config.database, "q": statement}
        status, text = await self._post("query", params, "")
        if status == 200 and '"error"' not in text:
            return
        if status == 404 or "database not found" in text:
            return  # nothing was ever written there: nothing to take out
        if status in REFUSED_STATUSES or '"error"' in text:
            raise SinkRefused(_describe(status, text))
        raise SinkUnavailable(_describe(status, text))

    async def _write(self, batch: list[QueuedReading]) -> None:
        params = {"db": self.config.database, "precision": "ns"}
        if self.config.retention_policy:
            params["rp"] = self.config.retention_policy
        status, text = await self._post("write", params, line_protocol(batch))
        if status == 404 and "database not found" in text and self.config.create_database:
            await self._create_database()
            status, text = await self._post("write", params, line_protocol(batch))
        if status == 204:
            return
        if status in REFUSED_STATUSES:
            raise SinkRefused(_describe(status, text))
        raise SinkUnavailable(_describe(status, text))

    async def _create_database(self) -> None:
        # Identifiers in InfluxQL are double-quoted; a quote inside is escaped.
        name = self.config.database.replace("\\", "\\\\").replace('"', '\\"')
        status, text = await self._post("query", {"q": f'CREATE DATABASE "{name}"'}, "")
        if status != 200:
            raise SinkUnavailable(f"database missing and not created: {_describe(status, text)}")

    async def _post(self, path: str, params: dict[str, str], body: str) -> tuple[int, str]:
        assert self._session is not None, "start() first"
        try:
            async with self._session.post(path, params=params, data=body.encode()) as response:
                return response.status, await response.text()
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise SinkUnavailable(f"{type(error).__name__}: {error}") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
