"""The REST API on stores written by their real owners (storage, gateway, token entry)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from services.core.config.simulator import FrameEffects
from services.core.messages import Reading
from services.database.capacity_store import CapacityStore
from services.database.connection import connect
from services.database.reading_queries import ReadingQueries
from services.domain.capacity import SAMPLES, ClosedQuarter, MonthPeak
from services.simulator.lcd import encode_jpeg, render_lcd_frame
from services.storage.store import ReadingStore
from services.token_entry.attempts import AttemptStore
from services.web.models import History
from tests.web.conftest import asgi_client, web_config

BRUSSELS = ZoneInfo("Europe/Brussels")
DAY = datetime(2026, 1, 15, tzinfo=BRUSSELS)  # winter time: local = UTC + 1
PEAK_W = 6400.0


def seed_counter(data_dir: Path, start: datetime, minutes: int) -> None:
    """A drum counter read once a minute, 10 Wh per minute."""
    store = ReadingStore(data_dir / "meterhub.sqlite3")
    store.ingest(
        [
            Reading(device="drum", ts=start + timedelta(minutes=i), source="ocr",
                    values={"energy_import_kwh": 1000 + 0.01 * i})
            for i in range(minutes)
        ]
    )  # fmt: skip
    store.close()


def seed_quarters(data_dir: Path) -> list[datetime]:
    """Quarters 18:00-19:45 local of DAY, one far above the rest (the month peak)."""
    store = CapacityStore(connect(data_dir / "meterhub.sqlite3", "capture_gateway"), BRUSSELS)
    starts = [DAY.replace(hour=18) + timedelta(minutes=15 * i) for i in range(8)]
    for index, start in enumerate(starts):
        average = PEAK_W if index == 3 else 1000.0 + 10 * index
        samples: list[int | None] = [round(average)] * SAMPLES
        store.save_closed(
            "p1",
            ClosedQuarter(start.astimezone(UTC), average, average / 4, True, "counter",
                          samples, [0] * SAMPLES, 1_234_567.4 + 300 * index, 98_765.0),
        )  # fmt: skip
    store.offer_peak("p1", MonthPeak("2025-12", 3000.0, None, "meter"), replace=True)
    store.db.close()
    return starts


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


# --- history ----------------------------------------------------------------------------
async def test_history_gives_consumption_per_hour_and_day(data_dir) -> None:
    start = datetime(2026, 3, 10, tzinfo=UTC)
    seed_counter(data_dir, start, 180)
    async with asgi_client(web_config(data_dir, login=False)) as client:
        hourly = await client.get(
            "/api/devices/drum/history",
            params={"every": "1h", "from": "2026-03-10", "to": "2026-03-11"},
        )
        assert hourly.status_code == 200, hourly.text
        body = hourly.json()
        assert (body["quantity"], body["unit"], body["kind"], body["every"]) == (
            "energy_import_kwh", "kWh", "counter", "hour",
        )  # fmt: skip
        assert [p["ts"] for p in body["points"]] == [
            "2026-03-10T00:00:00Z", "2026-03-10T01:00:00Z", "2026-03-10T02:00:00Z",
        ]  # fmt: skip
        used = [p["used"] for p in body["points"]]
        assert used == pytest.approx([0.59, 0.60, 0.60])  # the first reading has no before
        assert body["points"][1]["n"] == 60 and body["points"][1]["first"] == pytest.approx(1000.6)
        daily = (await client.get(
            "/api/devices/drum/history", params={"every": "day", "from": "2026-03-01"}
        )).json()  # fmt: skip
        assert len(daily["points"]) == 1 and daily["points"][0]["used"] == pytest.approx(1.79)


@pytest.mark.parametrize("every", ["minute", "quarter", "hour", "day", "month"])
async def test_history_points_are_storages_rollups_in_the_documented_shape(data_dir, every) -> None:
    start = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    seed_counter(data_dir, start, 90)
    since = "2026-02-01" if every in ("day", "month") else "2026-03-09"
    queries = ReadingQueries(data_dir / "meterhub.sqlite3")
    expected = queries.history("drum", "energy_import_kwh", start=f"{since}T00:00:00Z",
                               end="2026-03-12T00:00:00Z", every=every)  # fmt: skip
    queries.close()
    assert expected
    async with asgi_client(web_config(data_dir, login=False)) as client:
        answer = await client.get("/api/devices/drum/history", params={
            "every": every, "from": since, "to": "2026-03-12"})  # fmt: skip
    body = History.model_validate(answer.json())  # what the OpenAPI schema promises
    points = [p.model_dump() for p in body.points]
    assert [{k: v for k, v in p.items() if k != "used"} for p in points] == expected
    assert [p["used"] for p in points] == [p["rise"] for p in expected]


async def test_history_csv_has_the_same_buckets_with_local_times(data_dir) -> None:
    seed_counter(data_dir, datetime(2026, 3, 10, tzinfo=UTC), 120)
    config = web_config(data_dir, login=False, storage={
        "data_dir": str(data_dir), "timezone": "Asia/Jakarta"})  # fmt: skip
    async with asgi_client(config) as client:
        answer = await client.get(
            "/api/devices/drum/history.csv",
            params={"every": "hour", "from": "2026-03-10", "to": "2026-03-11"},
        )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert (
        'filename="meterhub-drum-energy_import_kwh-hour.csv"'
        in answer.headers["content-disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["ts"] for r in rows] == ["2026-03-10T00:00:00Z", "2026-03-10T01:00:00Z"]
    assert rows[0]["local"] == "2026-03-10T07:00:00+07:00"
    assert float(rows[1]["used"]) == pytest.approx(0.6)


async def test_a_date_is_local_midnight_of_the_storage_zone(data_dir) -> None:
    config = web_config(data_dir, login=False, storage={
        "data_dir": str(data_dir), "timezone": "Asia/Jakarta"})  # fmt: skip
    async with asgi_client(config) as client:
        body = (await client.get(
            "/api/devices/drum/history", params={"every": "day", "from": "2026-03-10",
                                                 "to": "2026-03-12"})).json()  # fmt: skip
    assert (body["from"], body["to"]) == ("2026-03-09T17:00:00Z", "2026-03-11T17:00:00Z")
    assert body["timezone"] == "Asia/Jakarta" and body["points"] == []


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"quantity": "bogus"}, "unknown quantity 'bogus'"),
        ({"every": "weekly"}, "every must be one of: raw,"),
        ({"from": "2026-03-10T00:00"}, "needs a time zone"),
        ({"from": "yesterday"}, "is not a date (YYYY-MM-DD) or an ISO 8601 time"),
        ({"from": "2026-03-11", "to": "2026-03-10"}, "from must be before to"),
        ({"every": "minute", "from": "2025-01-01", "to": "2026-01-01"}, "at most 10000"),
    ],
)
async def test_bad_history_parameters_are_400s_that_say_why(data_dir, params, reason) -> None:
    async with asgi_client(web_config(data_dir, login=False)) as client:
        answer = await client.get("/api/devices/drum/history", params=params)
    assert answer.status_code == 400, answer.text
    assert reason in answer.json()["detail"]


# --- capacity tariff --------------------------------------------------------------------
async def test_peaks_name_the_month_peak_quarter_billed_average_and_cost(data_dir) -> None:
    starts = seed_quarters(data_dir)
    async with asgi_client(web_config(data_dir, login=False)) as client:
        answer = await client.get("/api/devices/p1/peaks", params={"month": "2026-01"})
    assert answer.status_code == 200, answer.text
    peaks = answer.json()
    assert peaks["peak"]["power_w"] == PEAK_W and peaks["peak"]["source"] == "computed"
    quarter = peaks["peak"]["quarter"]
    assert quarter["start"] == "2026-01-15T17:45:00Z"
    assert (quarter["day"], quarter["local_time"], quarter["measured"]) == (
        "2026-01-15",
        "18:45",
        True,
    )
    assert quarter["file"] == "2026/01/15/1845W.json"
    assert starts[3].astimezone(UTC).isoformat().startswith("2026-01-15T17:45")
    # December's 3 kW counts at the 2.5 kW floor or above: (3000 + 6400) / 2.
    assert peaks["billed_average_w"] == 4700.0 and peaks["months_averaged"] == 2
    assert peaks["estimated_cost_eur_year"] == pytest.approx(4.7 * 50)
    assert [m["month"] for m in peaks["months"]] == ["2025-12", "2026-01"]


async def test_quarters_of_a_day_and_one_quarter_in_detail(data_dir) -> None:
    seed_quarters(data_dir)
    async with asgi_client(web_config(data_dir, login=False)) as client:
        day = (await client.get("/api/devices/p1/quarters", params={"day": "2026-01-15"})).json()
        detail = await client.get("/api/devices/p1/quarters/2026-01-15T17:45:00Z")
        empty = (await client.get("/api/devices/p1/quarters", params={"day": "2026-01-16"})).json()
    assert [q["local_time"] for q in day["quarters"]][:4] == ["18:00", "18:15", "18:30", "18:45"]
    assert (day["day_start"], day["day_end"]) == ("2026-01-14T23:00:00Z", "2026-01-15T23:00:00Z")
    assert detail.status_code == 200
    samples = detail.json()
    assert samples["average_w"] == PEAK_W and samples["interval_s"] == 5
    assert len(samples["consumed_w"]) == SAMPLES and samples["consumed_w"][0] == 6400
    assert empty["quarters"] == []


async def test_p1_monitor_shapes_answer_as_the_original_did(data_dir) -> None:
    seed_quarters(data_dir)
    async with asgi_client(web_config(data_dir, login=False)) as client:
        stored = await client.get("/meter/2026/01/15/1845W.json")
        current = await client.get("/current/quarter", params={"device": "p1"})
        missing = await client.get("/meter/2026/01/15/0315W.json")
        malformed = await client.get("/meter/2026/01/15/1845X.json")
        peak = await client.get("/current/month/peak")
    assert stored.status_code == 200
    shape = stored.json()
    # The original's keys, in its order (quarter_id first, the 5-second arrays last).
    assert list(shape) == ["quarter_id", "consumed_power_avg", "begin_consumed_wh",
                           "begin_produced_wh", "interval_secs", "consumed_power_interval_avgs",
                           "produced_power_interval_avgs"]  # fmt: skip
    assert shape["consumed_power_avg"] == 6400 and shape["interval_secs"] == 5
    assert (shape["begin_consumed_wh"], shape["begin_produced_wh"]) == (1_235_467, 98_765)
    assert current.json()["consumed_power_avg"] == 1070  # the latest quarter stored
    assert current.json()["begin_consumed_wh"] == 1_236_667
    assert missing.status_code == 404 and "not measured" in missing.json()["detail"]
    assert malformed.status_code == 400
    assert peak.status_code == 200 and peak.json() == {}  # nothing this month


async def test_capacity_asks_for_a_p1_meter_and_checks_its_parameters(data_dir) -> None:
    async with asgi_client(web_config(data_dir, login=False)) as client:
        not_p1 = await client.get("/api/devices/pln/peaks")
        bad_month = await client.get("/api/devices/p1/peaks", params={"month": "2026-13"})
        bad_day = await client.get("/api/devices/p1/quarters", params={"day": "2026-02-30"})
        nothing_yet = await client.get("/api/devices/p1/peaks")
    assert not_p1.status_code == 404 and "not a P1 meter" in not_p1.json()["detail"]
    assert bad_month.status_code == 400 and "YYYY-MM" in bad_month.json()["detail"]
    assert bad_day.status_code == 400 and "not a date" in bad_day.json()["detail"]
    assert nothing_yet.status_code == 200 and nothing_yet.json()["peak"] is None


# --- prepaid ----------------------------------------------------------------------------
async def test_prepaid_forecasts_days_left_from_the_fall_rate(data_dir) -> None:
    now = datetime.now(UTC)
    store = ReadingStore(data_dir / "meterhub.sqlite3")
    # 3 kWh a day for four days: a reading every 6 hours, 0.75 kWh apart.
    store.ingest([
        Reading(device="pln", ts=now - timedelta(hours=6 * i), source="ocr",
                values={"token_balance_kwh": 30 + 0.75 * i})
        for i in range(16, -1, -1)
    ])  # fmt: skip
    store.close()
    async with asgi_client(web_config(data_dir, login=False)) as client:
        summary = (await client.get("/api/devices/pln/prepaid")).json()
        not_prepaid = await client.get("/api/devices/p1/prepaid")
    assert summary["balance_kwh"] == 30 and summary["quantity"] == "token_balance_kwh"
    forecast = summary["forecast"]
    assert forecast["use_per_day"] == pytest.approx(3.0)
    assert forecast["days_left"] == pytest.approx(10.0)
    assert forecast["uncertainty_days"] == pytest.approx(0.0, abs=1e-6)  # a steady fall
    assert "7 days" in forecast["method"]
    assert summary["accepts_tokens"] is True and sum(d["used"] for d in summary["daily"]) > 0
    assert not_prepaid.status_code == 404


async def test_token_history_is_masked_and_bad_tokens_are_refused_up_front(data_dir) -> None:
    attempts = AttemptStore(data_dir / "meterhub.sqlite3")
    attempts.add("pln", "r-1", "telegram", "00200000000000100126", "queued", "next")
    async with asgi_client(web_config(data_dir, login=False)) as client:
        history = (await client.get("/api/devices/pln/tokens")).json()
        too_short = await client.post("/api/devices/pln/token", json={"token": "1234 5678"})
        too_big = await client.post("/api/devices/pln/token", json={"token": "9" * 20})
        no_keypad = await client.post("/api/devices/p1/token", json={"token": "0" * 20})
        not_json = await client.post("/api/devices/pln/token", content=b"token=1")
    assert history[0]["token"] == "…0126" and history[0]["source"] == "telegram"
    assert too_short.status_code == 400 and "20 digits, this has 8" in too_short.json()["detail"]
    assert too_big.status_code == 400 and "66 bits" in too_big.json()["detail"]
    assert no_keypad.status_code == 404
    assert not_json.status_code == 422


# --- frames and ROIs --------------------------------------------------------------------
def write_frame(data_dir: Path, text: str = "127.03") -> bytes:
    image = render_lcd_frame(text, 6, FrameEffects(), np.random.default_rng(1))
    jpeg = encode_jpeg(image)
    path = data_dir / "images" / "pln" / "latest.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg)
    return jpeg


async def test_frame_raw_annotated_and_never_half_written(data_dir) -> None:
    async with asgi_client(web_config(data_dir, login=False)) as client:
        assert (await client.get("/api/devices/pln/image")).status_code == 404
        jpeg = write_frame(data_dir)
        raw = await client.get("/api/devices/pln/image")
        assert raw.content == jpeg and raw.headers["content-type"] == "image/jpeg"
        annotated = await client.get("/api/devices/pln/image", params={"annotated": "true"})
        assert annotated.content[:2] == b"\xff\xd8" and annotated.content != jpeg
        # The OCR worker caught mid-write: the last whole frame is served.
        (data_dir / "images" / "pln" / "latest.jpg").write_bytes(jpeg[: len(jpeg) // 2])
        assert (await client.get("/api/devices/pln/image")).content == jpeg
        assert (await client.get("/api/devices/p1/image")).status_code == 404


async def test_rois_are_checked_against_the_display_and_the_frame(data_dir) -> None:
    write_frame(data_dir)
    async with asgi_client(web_config(data_dir, login=False)) as client:
        empty = (await client.get("/api/devices/pln/rois")).json()
        wrong_count = await client.put(
            "/api/devices/pln/rois", json={"digits": [[10, 10, 20, 30]] * 3}
        )
        outside = await client.put("/api/devices/pln/rois", json={"display": [600, 400, 80, 50]})
        negative = await client.put("/api/devices/pln/rois", json={"display": [-1, 0, 10, 10]})
        no_bus = await client.put("/api/devices/pln/rois", json={"display": [100, 80, 400, 150]})
        row = [[110 + 70 * i, 60, 60, 120] for i in range(6)]
        refused = {
            "1x1 digits": [[10 * i, 10, 1, 1] for i in range(6)],
            "out of order": [row[1], row[0], *row[2:]],
            "overlapping": [row[0], [row[0][0] + 10, 60, 60, 120], *row[2:]],
        }
        answers = {
            why: await client.put("/api/devices/pln/rois", json={"digits": digits})
            for why, digits in refused.items()
        }
    assert empty == {"display": None, "digits": [], "updated": None, "frame": [640, 480]}
    assert {why: a.status_code for why, a in answers.items()} == dict.fromkeys(refused, 400)
    details = {why: a.json()["detail"] for why, a in answers.items()}
    assert "digit 1 is 1x1 px, under the 8 px a digit needs" in details["1x1 digits"]
    assert "digit 2 is not after digit 1" in details["out of order"]
    assert "digits 1 and 2 overlap by 83%" in details["overlapping"]
    assert wrong_count.status_code == 400 and "6 digits" in wrong_count.json()["detail"]
    assert outside.status_code == 400 and "outside the 640×480 frame" in outside.json()["detail"]
    assert negative.status_code == 422
    assert no_bus.status_code == 503  # saving needs the bus, so workers hear of it


async def test_devices_list_their_pages(data_dir) -> None:
    async with asgi_client(web_config(data_dir, login=False)) as client:
        devices = {d["id"]: d for d in (await client.get("/api/devices")).json()}
        catalogue = (await client.get("/api/quantities")).json()
    assert devices["pln"]["features"] == ["camera", "prepaid"]
    assert devices["p1"]["features"] == ["capacity"]
    assert devices["drum"]["features"] == ["camera"]
    assert devices["p1"]["last_seen"] is None and devices["p1"]["availability"] is None
    assert catalogue["token_balance_kwh"]["unit"] == "kWh"
