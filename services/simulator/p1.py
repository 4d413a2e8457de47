"""A Belgian smart meter (Fluvius e-MUCS, DSMR 5) that writes P1 telegrams.

State advances only with the clock passed in, so a test replays an hour in milliseconds:
the registers integrate the simulated power, quarter-hour demand and the month peak follow
the capacity-tariff rules, and the gas meter is read over M-Bus every five minutes.
Registers are shown truncated, as a meter never shows energy it has not counted.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ..protocols.dsmr import with_crc

BRUSSELS = ZoneInfo("Europe/Brussels")
HEADER = "/FLU5\\253770234_A"
VERSION = "50217"  # the e-MUCS P1 version current Fluvius meters send
QUARTER = timedelta(minutes=15)
GAS_CAPTURE = timedelta(minutes=5)  # M-Bus read interval; every quarter end is one too
MAX_STEP = timedelta(seconds=10)  # power is held constant at most this long
HISTORY_MONTHS = 13

# Day tariff (T1) on weekdays 07:00–22:00; night tariff (T2) otherwise and all weekend.
_DAY_TARIFF_HOURS = range(7, 22)
_WEEKEND = (5, 6)

# Household load by local hour, relative to the day's mean: low at night, evening peak.
_PROFILE = (
    0.50, 0.45, 0.42, 0.40, 0.40, 0.45, 0.70, 1.05, 1.00, 0.85, 0.80, 0.90,
    1.00, 0.90, 0.80, 0.80, 0.95, 1.25, 1.65, 1.75, 1.55, 1.25, 0.95, 0.70,
)
_PROFILE_MEAN = sum(_PROFILE) / len(_PROFILE)

# Appliances switching on at random: (watts, mean minutes on, starts per hour).
_APPLIANCES = (
    (2000.0, 3.0, 0.5),  # kettle
    (1200.0, 1.5, 0.3),  # microwave
    (2200.0, 45.0, 0.05),  # oven, washing machine
    (150.0, 20.0, 1.0),  # fridge compressor
)
_APPLIANCE_MEAN_W = sum(w * minutes / 60 * rate for w, minutes, rate in _APPLIANCES)
_APPLIANCE_SHARE = 0.4  # at most this part of the mean load comes from appliances

_PHASE_SHARE = (0.45, 0.33, 0.22)  # how the background load sits on L1–L3
# OBIS C digit per phase L1–L3: power x1.7.0 import, x2.7.0 export; y2.7.0 volts, y1.7.0 amps.
_POWER_C, _GRID_C = "246", "357"
# Gas (heating, cooking) by month, mean m³/h, shaped by the same daily profile.
_GAS_M3_PER_HOUR = (0.45, 0.40, 0.30, 0.18, 0.08, 0.03, 0.02, 0.02, 0.05, 0.15, 0.30, 0.42)


def local_stamp(ts: datetime) -> str:
    """DSMR time: Brussels wall clock, with S (summer) or W (winter) to settle the DST hour."""
    local = ts.astimezone(BRUSSELS)
    return local.strftime("%y%m%d%H%M%S") + ("S" if local.dst() else "W")


def tariff(ts: datetime) -> int:
    local = ts.astimezone(BRUSSELS)
    return 1 if local.weekday() not in _WEEKEND and local.hour in _DAY_TARIFF_HOURS else 2


def _floor(ts: datetime, step: timedelta) -> datetime:
    """Brussels is a whole number of hours from UTC, so UTC floors are local floors."""
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    return ts - (ts - epoch) % step


def _month_start(ts: datetime, months_back: int = 0) -> datetime:
    local = ts.astimezone(BRUSSELS)
    index = local.year * 12 + local.month - 1 - months_back
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=BRUSSELS).astimezone(UTC)


def _solar_shape(ts: datetime) -> float:
    """Clear-sky output, 0–1: a cosine day whose length and height follow the season."""
    season = math.sin(2 * math.pi * (ts.timetuple().tm_yday - 80) / 365)
    half_day_h = 6.1 + 2.1 * season
    hours_from_noon = abs(ts.hour + ts.minute / 60 - 11.7)  # solar noon in Brussels, UTC
    if hours_from_noon >= half_day_h:
        return 0.0
    return (0.65 + 0.35 * season) * math.cos(math.pi / 2 * hours_from_noon / half_day_h)


def _kwh(wh: float) -> str:
    whole = int(wh)
    return f"{whole // 1000:06d}.{whole % 1000:03d}*kWh"


def _kw(watts: float) -> str:
    whole = round(abs(watts))
    return f"{whole // 1000:02d}.{whole % 1000:03d}*kW"


def _volts(volts: float) -> str:
    tenths = round(volts * 10)
    return f"{tenths // 10:03d}.{tenths % 10}*V"


def _amps(amps: float) -> str:
    hundredths = round(amps * 100)
    return f"{hundredths // 100:03d}.{hundredths % 100:02d}*A"


def _m3(litres: float) -> str:
    whole = int(litres)
    return f"{whole // 1000:05d}.{whole % 1000:03d}*m3"


def _hex(text: str) -> str:
    return text.encode("ascii").hex().upper()


class _Noise:
    """Mean-reverting noise (Ornstein–Uhlenbeck), exact for any step length."""

    def __init__(self, rng: random.Random, sd: float, tau_s: float) -> None:
        self.rng, self.sd, self.tau_s, self.value = rng, sd, tau_s, rng.gauss(0, sd)

    def step(self, dt_s: float) -> float:
        keep = math.exp(-dt_s / self.tau_s)
        self.value = self.value * keep + self.sd * math.sqrt(1 - keep * keep) * self.rng.gauss(0, 1)
        return self.value


class P1MeterModel:
    """Meter state and the telegram it would send at a given instant."""

    def __init__(
        self,
        *,
        load_w: float = 900.0,
        solar_w: float = 0.0,
        rng: random.Random | None = None,
        equipment_id: str = "1SAG3100012345",
        gas_meter_id: str = "7FLO2100012345",
    ) -> None:
        self.rng = rng or random.Random()
        self.load_w, self.solar_w = load_w, solar_w
        self.equipment_id, self.gas_meter_id = equipment_id, gas_meter_id
        self.appliance_scale = min(1.0, _APPLIANCE_SHARE * load_w / _APPLIANCE_MEAN_W)
        self.base_w = load_w - self.appliance_scale * _APPLIANCE_MEAN_W
        # Registers, as floats in Wh and litres; index 0 is tariff 1.
        self.import_wh = [self.rng.uniform(5e5, 5e6), self.rng.uniform(5e5, 5e6)]
        self.export_wh = [self.rng.uniform(2e5, 3e6) if solar_w else 0.0 for _ in range(2)]
        self.gas_l = self.rng.uniform(5e5, 8e6)
        self.phase_w = [0.0, 0.0, 0.0]  # net per phase, import positive
        self.voltage_v = [230.0, 230.0, 230.0]
        self.clock: datetime | None = None
        self.quarter_start: datetime | None = None
        self.quarter_import_wh = 0.0
        self.month_peak: tuple[datetime, float] | None = None  # (quarter end, W)
        self.history: list[tuple[datetime, datetime, float]] = []  # (month end, when, W)
        self.gas_capture: tuple[datetime, float] | None = None  # (capture time, litres)
        self._background = _Noise(self.rng, 0.15 * max(self.base_w, 0.0), 120.0)
        self._clouds = _Noise(self.rng, 0.5, 900.0)
        self._grid = [_Noise(self.rng, 1.2, 300.0) for _ in range(3)]
        self._running: list[tuple[datetime, int, float]] = []  # (until, phase, W)

    # --- public view of the state, as the meter displays it ---

    @property
    def net_power_w(self) -> float:
        return sum(self.phase_w)

    @property
    def quarter_avg_w(self) -> float:
        """Average import over the running part of the quarter (the 1-0:1.4.0 register)."""
        assert self.clock is not None and self.quarter_start is not None
        elapsed_h = (self.clock - self.quarter_start).total_seconds() / 3600
        return self.quarter_import_wh / elapsed_h if elapsed_h > 0 else 0.0

    def telegram(self, now: datetime) -> str:
        """Advance to ``now`` (aware) and return the telegram, CRLF lines and CRC included."""
        self.advance(now)
        return with_crc("\r\n".join(self._lines()) + "\r\n!")

    # --- time ---

    def advance(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        now = now.astimezone(UTC)  # all state in UTC: aware local times subtract as wall clock
        if self.clock is None:
            self._start(now)
            return
        if now < self.clock:
            raise ValueError(f"time went backwards ({now} < {self.clock})")
        while self.clock < now:
            capture = _floor(self.clock, GAS_CAPTURE) + GAS_CAPTURE
            end = min(now, self.clock + MAX_STEP, capture)
            dt_s = (end - self.clock).total_seconds()
            self._integrate(dt_s)
            self.clock = end
            if end == capture:
                self.gas_capture = (end, self.gas_l)
                if end == _floor(end, QUARTER):
                    self._close_quarter(end)
            self._evolve(dt_s)

    def _start(self, now: datetime) -> None:
        """A meter is never new: invent this month's peak so far and a year of past peaks."""
        self.clock = now
        self.quarter_start = _floor(now, QUARTER)
        self._evolve(60.0)
        elapsed_h = (now - self.quarter_start).total_seconds() / 3600
        self.quarter_import_wh = max(self.net_power_w, 0.0) * elapsed_h
        self.gas_capture = (_floor(now, GAS_CAPTURE), self.gas_l)
        self.month_peak = (_month_start(now), 0.0)
        if now - self.month_peak[0] > QUARTER:
            self.month_peak = (self._random_quarter(_month_start(now), now), self._past_peak_w())
        for back in range(HISTORY_MONTHS, 0, -1):
            start, end = _month_start(now, back), _month_start(now, back - 1)
            self.history.append((end, self._random_quarter(start, end), self._past_peak_w()))

    def _random_quarter(self, start: datetime, end: datetime) -> datetime:
        quarters = max(int((end - start) / QUARTER), 1)
        return _floor(start + self.rng.randrange(quarters) * QUARTER, QUARTER) + QUARTER

    def _past_peak_w(self) -> float:
        return self.load_w * self.rng.uniform(2.5, 4.5)

    # --- physics ---

    def _integrate(self, dt_s: float) -> None:
        assert self.clock is not None
        net_wh = self.net_power_w * dt_s / 3600
        t = tariff(self.clock) - 1
        if net_wh > 0:
            self.import_wh[t] += net_wh
            self.quarter_import_wh += net_wh
        else:
            self.export_wh[t] -= net_wh
        month = self.clock.astimezone(BRUSSELS).month
        self.gas_l += 1000 * _GAS_M3_PER_HOUR[month - 1] * self._profile() * dt_s / 3600

    def _close_quarter(self, end: datetime) -> None:
        """A quarter ended: it may set the month peak; a new month files the old peak away."""
        assert self.month_peak is not None
        average_w = self.quarter_import_wh * 4
        if average_w > self.month_peak[1]:
            self.month_peak = (end, average_w)
        if _month_start(end) != _month_start(end - QUARTER):
            self.history = [*self.history, (end, *self.month_peak)][-HISTORY_MONTHS:]
            self.month_peak = (end, 0.0)
        self.quarter_start, self.quarter_import_wh = end, 0.0

    def _profile(self) -> float:
        assert self.clock is not None
        return _PROFILE[self.clock.astimezone(BRUSSELS).hour] / _PROFILE_MEAN

    def _evolve(self, dt_s: float) -> None:
        """New power draw after ``dt_s`` seconds: background, appliances, sun, grid voltage."""
        assert self.clock is not None
        now = self.clock
        self._running = [item for item in self._running if item[0] > now]
        for watts, minutes, rate in _APPLIANCES:
            if self.rng.random() < 1 - math.exp(-rate * self.appliance_scale * dt_s / 3600):
                until = now + timedelta(minutes=self.rng.expovariate(1 / minutes))
                self._running.append((until, self.rng.randrange(3), watts))
        background = self.base_w * self._profile() + self._background.step(dt_s)
        background = max(background, 0.2 * self.load_w)  # standby never switches off
        load = [background * share for share in _PHASE_SHARE]
        for _, phase, watts in self._running:
            load[phase] += watts
        sky = min(max(0.6 + self._clouds.step(dt_s), 0.1), 1.0)
        solar_each = self.solar_w * _solar_shape(now) * sky / 3
        for p in range(3):
            self.phase_w[p] = load[p] - solar_each
            volts = 230.5 + self._grid[p].step(dt_s) - 0.0015 * self.phase_w[p]
            self.voltage_v[p] = min(max(volts, 207.0), 253.0)

    # --- telegram ---

    def _lines(self) -> list[str]:
        assert self.clock is not None and self.month_peak is not None
        assert self.gas_capture is not None
        net, phases, volts = self.net_power_w, self.phase_w, self.voltage_v
        history = "".join(
            f"({local_stamp(month)})({local_stamp(when)})({_kw(w)})"
            for month, when, w in self.history
        )
        return [
            HEADER,
            "",
            f"0-0:96.1.4({VERSION})",
            f"0-0:96.1.1({_hex(self.equipment_id)})",
            f"0-0:1.0.0({local_stamp(self.clock)})",
            f"1-0:1.8.1({_kwh(self.import_wh[0])})",
            f"1-0:1.8.2({_kwh(self.import_wh[1])})",
            f"1-0:2.8.1({_kwh(self.export_wh[0])})",
            f"1-0:2.8.2({_kwh(self.export_wh[1])})",
            f"0-0:96.14.0({tariff(self.clock):04d})",
            f"1-0:1.4.0({_kw(self.quarter_avg_w)})",
            f"1-0:1.6.0({local_stamp(self.month_peak[0])})({_kw(self.month_peak[1])})",
            f"0-0:98.1.0({len(self.history)})(1-0:1.6.0)(1-0:1.6.0){history}",
            f"1-0:1.7.0({_kw(max(net, 0.0))})",
            f"1-0:2.7.0({_kw(max(-net, 0.0))})",
            *(f"1-0:{c}1.7.0({_kw(max(w, 0.0))})" for c, w in zip(_POWER_C, phases, strict=True)),
            *(f"1-0:{c}2.7.0({_kw(max(-w, 0.0))})" for c, w in zip(_POWER_C, phases, strict=True)),
            *(f"1-0:{c}2.7.0({_volts(v)})" for c, v in zip(_GRID_C, volts, strict=True)),
            *(
                f"1-0:{c}1.7.0({_amps(abs(w) / v)})"
                for c, w, v in zip(_GRID_C, phases, volts, strict=True)
            ),
            "0-0:96.3.10(1)",
            "0-0:17.0.0(999.9*kW)",
            "1-0:31.4.0(999*A)",
            "0-0:96.13.0()",
            "0-1:24.1.0(003)",
            f"0-1:96.1.1({_hex(self.gas_meter_id)})",
            "0-1:24.4.0(1)",
            f"0-1:24.2.3({local_stamp(self.gas_capture[0])})({_m3(self.gas_capture[1])})",
        ]
