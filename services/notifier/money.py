"""The money lines of ``/status``: storage's one definition of cost, in the chat's words."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

from ..core.config import MeterhubConfig
from ..core.messages import CapacityState
from ..core.runtime.logs import kv
from ..database.costs import Money, meter_money
from ..database.reading_queries import ReadingQueries
from ..domain.capacity import month_of
from .lang import Texts

log = logging.getLogger(__name__)


async def stored_money(
    config: MeterhubConfig, device: str, now: datetime, capacity: CapacityState | None
) -> Money | None:
    """The meter's money figures, with the gateway's live capacity state when this month's."""
    return await asyncio.to_thread(_stored_money, config, device, now, capacity)


def _stored_money(
    config: MeterhubConfig, device: str, now: datetime, capacity: CapacityState | None
) -> Money | None:
    zone = ZoneInfo(config.capacity.timezone)
    current = capacity is not None and capacity.month == month_of(now, zone)
    queries = ReadingQueries(config.storage.sqlite_path)
    try:
        return meter_money(
            config,
            queries,
            device,
            now,
            month_peak_w=capacity.month_peak_power_w if current and capacity else None,
            predicted_w=capacity.predicted_quarter_power_w if current and capacity else None,
        )
    except sqlite3.Error as error:  # no store or no tables yet: no figures
        log.info("no cost from storage", extra=kv(device=device, error=str(error)))
        return None
    finally:
        queries.close()


def money_lines(t: Texts, money: Money, region: str | None) -> list[str]:
    found, currency = money.costs, money.costs.currency
    lines = [
        t.say(
            "status_cost",
            today=t.money(found.today.amount, currency),
            month=t.money(found.this_month.amount, currency),
            last=t.money(found.last_month.amount, currency),
        )
    ]
    capacity = money.capacity
    if capacity is not None and capacity.month_peak_adds is not None:
        unconfirmed = "" if capacity.price.confirmed else t.say("price_unconfirmed", region=region)
        lines.append(
            t.say(
                "status_capacity",
                peak=t.money(capacity.month_peak_adds, capacity.price.currency),
                quarter=t.money(capacity.quarter_would_add or 0.0, capacity.price.currency),
                unconfirmed=unconfirmed,
            )
        )
    return lines
