"""The optional sinks, by config key; each is fed by its own queue (see ``pump``)."""

from __future__ import annotations

from collections.abc import Callable

from ...core.config.base import Section
from .base import Sink, SinkRefused, SinkUnavailable, StateLookup


def _influxdb(name: str, config: Section, states: StateLookup) -> Sink:
    from .influx import InfluxV2Sink

    return InfluxV2Sink(name, config)  # type: ignore[arg-type]


def _influxdb_v1(name: str, config: Section, states: StateLookup) -> Sink:
    from .influx import InfluxV1Sink

    return InfluxV1Sink(name, config)  # type: ignore[arg-type]


def _firebase(name: str, config: Section, states: StateLookup) -> Sink:
    from .firebase import FirebaseSink  # firebase-admin is heavy: only when configured

    return FirebaseSink(name, config, states)  # type: ignore[arg-type]


# storage config key -> factory
SINK_TYPES: dict[str, Callable[[str, Section, StateLookup], Sink]] = {
    "influxdb": _influxdb,
    "influxdb_v1": _influxdb_v1,
    "firebase": _firebase,
}

__all__ = ["SINK_TYPES", "Sink", "SinkRefused", "SinkUnavailable", "StateLookup"]
