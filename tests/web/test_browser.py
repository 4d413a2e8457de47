"""The page in a real browser (Debian's chromium through Playwright) against every service,
a real Mosquitto and the simulated meters: what a user does, step by step.

Screenshots of every page, light and dark, desktop and phone, go to test-artifacts/web/.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from services.core.config import MeterhubConfig
from services.core.messages import OcrResult, OcrRois, Reading
from services.core.runtime import run_services
from services.core.runtime.health import Health
from services.database.capacity_store import CapacityStore
from services.database.connection import connect
from services.domain.capacity import SAMPLES, ClosedQuarter
from services.domain.device_models import DeviceModels
from services.registry import specs_for
from services.tools.broker_process import MosquittoProcess, free_port
from tests.bus_helpers import Collector, running_bus
from tests.web.conftest import PASSWORD, PASSWORD_HASH

playwright_api = pytest.importorskip("playwright.async_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(
        "Debian's chromium is not installed (`make test` installs it)", allow_module_level=True
    )

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
WAIT_MS = 30_000
# Predicates are functions, not expressions: Playwright evaluates an expression with eval(),
# which the page's Content-Security-Policy refuses.
LIVE_ON = "() => document.getElementById('live').classList.contains('on')"
RELOADS = (
    "() => performance.getEntriesByType('resource').filter(e => e.name.includes('/image?')).length"
)
BRUSSELS = ZoneInfo("Europe/Brussels")
PEAK_DAY = datetime(2026, 1, 15, tzinfo=BRUSSELS)
PEAK_W = 6400.0
TOKEN = "0020 0000 0000 0010 0126"


@dataclass
class Site:
    url: str
    config: MeterhubConfig
    heard: Collector
    bus: Any  # the test's own connection, publishing as a device would


def _seed_capacity_history(sqlite: Path) -> None:
    """A measured January day of a second P1 meter, its 18:45 quarter the month's peak."""
    store = CapacityStore(connect(sqlite, "capture_gateway"), BRUSSELS)
    for index in range(16):
        start = PEAK_DAY.replace(hour=17) + timedelta(minutes=15 * index)
        average = PEAK_W if index == 7 else 900.0 + 40 * (index % 5)
        consumed: list[int | None] = [round(average + 30 * ((i % 12) - 6)) for i in range(SAMPLES)]
        store.save_closed(
            "p1hist",
            ClosedQuarter(start.astimezone(UTC), average, average / 4, True, "counter",
                          consumed, [0] * SAMPLES),
        )  # fmt: skip
    store.db.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    root = tmp_path_factory.mktemp("site")
    web_port = free_port()
    with MosquittoProcess(data_dir=root / "mosquitto") as broker:
        config = MeterhubConfig.model_validate({
            "mqtt": {"host": broker.host, "port": broker.port,
                     "reconnect_initial_s": 0.05, "reconnect_max_s": 0.5},
            "storage": {"data_dir": str(root / "data")},
            "web": {"host": "127.0.0.1", "port": web_port,
                    "login": {"password_hash": PASSWORD_HASH}},
            "devices": {
                "pln": {"name": "PLN prepaid meter", "kind": "camera",
                        "ocr": {"display": "lcd7", "digits": 6, "decimals": 2},
                        "prices": {"currency": "IDR", "history": [
                            {"valid_from": "2020-01-01", "per_kwh": {"all": 1444.7}}]}},
                "p1": {"name": "Fluvius smart meter", "kind": "p1",
                       "prices": {"grid_region": "west", "history": [
                           {"valid_from": "2020-01-01", "per_kwh": {"t1": 0.4, "t2": 0.25}}]}},
                "p1hist": {"name": "Last winter's P1 meter", "kind": "p1"},
                "plnhist": {"name": "Kos prepaid meter", "kind": "camera",
                            "timezone": "Asia/Jakarta", "ocr": {"display": "lcd7", "digits": 6, "decimals": 2}},
            },
            "token_entry": {"settle_s": 0.5, "devices": {"pln": {}}},
            "simulator": {"enabled": True, "meters": {
                "pln": {"type": "prepaid_camera", "balance_kwh": 127.0, "frame_interval_s": 2,
                        "time_scale": 60, "keypad": {"time_scale": 20}},
                "p1": {"type": "p1", "interval_s": 0.5},
            }},
        })  # fmt: skip
        _seed_capacity_history(config.storage.sqlite_path)
        stop = asyncio.Event()
        services = asyncio.create_task(run_services(
            config, specs_for("all", simulator_enabled=True), stop=stop, health=Health()))  # fmt: skip
        heard = Collector()
        async with running_bus(config.mqtt, "browser-test", {"meterhub/#": heard}) as bus:
            await heard.wait_for(lambda m: m.topic == "meterhub/pln/ocr", timeout=60)
            yield Site(f"http://127.0.0.1:{web_port}", config, heard, bus)
        stop.set()
        await asyncio.wait_for(services, 30)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def session(browser, site: Site) -> AsyncIterator[dict[str, Any]]:
    """Cookies of one login through the form, for the pages behind it."""
    context = await browser.new_context(base_url=site.url)
    page = await context.new_page()
    await page.goto("/login")
    await page.fill("input[name=username]", "admin")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{site.url}/")
    state = await context.storage_state()
    await context.close()
    return state


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser, site: Site, session) -> AsyncIterator[Any]:
    context = await browser.new_context(
        base_url=site.url, storage_state=session, viewport={"width": 1280, "height": 900},
        locale="en-GB",  # a 24-hour locale, as the Flemish and Indonesian users' are
    )  # fmt: skip
    opened = await context.new_page()
    errors = watch_errors(opened)
    yield opened
    await context.close()
    assert not errors, f"script errors or CSP refusals on the page: {errors}"


def watch_errors(page: Any) -> list[str]:
    """Script errors and what the Content-Security-Policy refused (console errors)."""
    errors: list[str] = []

    def refused(message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            errors.append(message.text)

    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", refused)
    return errors


async def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def test_log_in_after_a_wrong_password(browser, site: Site) -> None:
    context = await browser.new_context(base_url=site.url, viewport={"width": 390, "height": 844})
    page = await context.new_page()
    await page.goto("/prepaid")
    assert page.url.startswith(f"{site.url}/login?next=")
    await page.fill("input[name=username]", "admin")
    await page.fill("input[name=password]", "not the password")
    await page.click("button[type=submit]")
    error = page.locator("#login-error")
    await error.wait_for(timeout=WAIT_MS)
    assert "Wrong user name or password" in await error.inner_text()
    await shot(page, "login-refused-phone")
    await page.fill("input[name=username]", "admin")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{site.url}/prepaid", timeout=WAIT_MS)  # back where it was going
    assert await page.locator("form[action='/logout']").count() == 1
    await context.close()


async def test_a_value_changes_live_without_reloading(page, site: Site) -> None:
    await page.goto("/")
    power = page.locator(".meter[data-device=p1] dd[data-quantity=power_w]")
    await power.wait_for(timeout=WAIT_MS)
    first = await power.inner_text()
    await page.wait_for_function(
        "([el, before]) => el.textContent !== before",
        arg=[await power.element_handle(), first],
        timeout=WAIT_MS,
    )
    # The new value is the one storage just published (no reload, no polling).
    await page.wait_for_function(LIVE_ON)
    assert await page.evaluate("performance.getEntriesByType('navigation').length") == 1
    await shot(page, "overview-light-desktop")


async def test_the_overview_card_shows_days_left_with_its_uncertainty(page, site: Site) -> None:
    # Twelve hours of a second prepaid meter, twice the use in the first six (as a camera
    # would have read them): storage's state gives the forecast, the card shows it.
    now = datetime.now(UTC).replace(microsecond=0)
    balance = 60.0
    for hour in range(12, -1, -1):
        reading = Reading(device="plnhist", ts=now - timedelta(hours=hour), source="ocr",
                          values={"token_balance_kwh": balance})  # fmt: skip
        await site.bus.publish("meterhub/plnhist/reading", reading.to_payload())
        balance -= 0.5 if hour > 6 else 0.25
    await page.goto("/")
    days = page.locator(".meter[data-device=plnhist] dd[data-quantity=days_left]")
    await days.wait_for(timeout=WAIT_MS)
    # 55.5 kWh at 9 kWh a day; the halves' 12 and 6 kWh a day make it ±2.1 days.
    await page.wait_for_function(
        "el => el.textContent === '≈ 6.2 d ±2.1'", arg=await days.element_handle(),
        timeout=WAIT_MS,
    )  # fmt: skip
    label = await page.evaluate("el => el.previousElementSibling.textContent",
                                await days.element_handle())  # fmt: skip
    assert label == "Days left"  # from the catalogue, never the raw key
    card = page.locator(".meter[data-device=plnhist]")
    assert await card.locator("dd[data-quantity=days_left_uncertainty]").count() == 0
    await shot(page, "overview-days-left-light-desktop")
    # The meter's own page says the same.
    await page.goto("/meters/plnhist")
    own = page.locator("#values dd[data-quantity=days_left]")
    await own.wait_for(timeout=WAIT_MS)
    await page.wait_for_function(
        "el => el.textContent === '≈ 6.2 d ±2.1'", arg=await own.element_handle(),
        timeout=WAIT_MS,
    )  # fmt: skip
    assert await page.locator("#values dd[data-quantity=days_left_uncertainty]").count() == 0


async def test_the_overview_card_shows_what_a_priced_meter_cost(page, site: Site) -> None:
    await page.goto("/")
    today = page.locator(".meter[data-device=pln] dl.money dd[data-money=today]")
    await today.wait_for(timeout=WAIT_MS)
    # Rupiah without decimals, in the browser's locale (en-GB here).
    await page.wait_for_function(
        "el => /^IDR\\s?[\\d,]+$/.test(el.textContent)", arg=await today.element_handle(),
        timeout=WAIT_MS,
    )  # fmt: skip
    labels = await page.locator(".meter[data-device=p1] dl.money dt").all_inner_texts()
    assert labels[:3] == ["Cost today", "Cost this month", "Cost last month"]
    euros = await page.locator(".meter[data-device=p1] dl.money dd").all_inner_texts()
    assert all(text.startswith("€") for text in euros), euros
    assert await page.locator(".meter[data-device=plnhist] dl.money").count() == 0
    await shot(page, "overview-money-light-desktop")


def _display_around(boxes: list[tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    x0 = min(b[0] for b in boxes) - 30
    y0 = min(b[1] for b in boxes) - 20
    x1 = max(b[0] + b[2] for b in boxes) + 30
    y1 = max(b[1] + b[3] for b in boxes) + 20
    return max(x0, 0), max(y0, 0), x1 - max(x0, 0), y1 - max(y0, 0)


async def test_draw_and_save_a_roi_and_the_next_reading_uses_it(page, site: Site) -> None:
    await page.goto("/meters/pln")
    await page.wait_for_function(
        "() => document.getElementById('frame').naturalWidth > 0"
        " && document.querySelectorAll('#overlay rect.read').length > 0",
        timeout=WAIT_MS,
    )
    last = OcrResult.from_payload(
        [m for m in site.heard.messages if m.topic == "meterhub/pln/ocr"][-1].payload
    )
    want = _display_around(last.boxes)
    await page.click("#edit-rois")  # the frame stays still from here on
    await page.click("#mode-display")
    frame = await page.locator("#frame").bounding_box()
    size = await page.evaluate("[overlay.viewBox.baseVal.width, overlay.viewBox.baseVal.height]")
    scale_x, scale_y = frame["width"] / size[0], frame["height"] / size[1]
    await page.mouse.move(frame["x"] + want[0] * scale_x, frame["y"] + want[1] * scale_y)
    await page.mouse.down()
    await page.mouse.move(frame["x"] + (want[0] + want[2]) * scale_x,
                          frame["y"] + (want[1] + want[3]) * scale_y, steps=8)  # fmt: skip
    await page.mouse.up()
    assert await page.locator("#overlay rect.display").count() == 1
    await shot(page, "roi-editor-light-desktop")
    await page.click("#roi-save")

    used = page.locator("#roi-status[data-used]")
    await used.wait_for(timeout=WAIT_MS)
    assert "read with your ROIs" in await used.inner_text()
    saved = OcrRois.from_payload(OcrRois.file(site.config.storage.data_dir, "pln").read_bytes())
    assert saved.display is not None
    assert all(abs(a - b) <= 3 for a, b in zip(saved.display, want, strict=True)), saved.display
    read_with = [
        OcrResult.from_payload(m.payload)
        for m in site.heard.messages
        if m.topic == "meterhub/pln/ocr" and json.loads(m.payload).get("rois_updated")
    ]
    assert read_with and read_with[-1].rois_updated == saved.updated
    # Each digit lies in the ROI; its box may reach a few pixels past it where the worker
    # read the ROI turned level (a camera looking a little askew slants the row).
    x, y, w, h = saved.display
    assert all(x <= bx + bw / 2 <= x + w and y <= by + bh / 2 <= y + h
               for bx, by, bw, bh in read_with[-1].boxes), read_with[-1].boxes  # fmt: skip
    await shot(page, "meter-light-desktop")


async def test_the_live_view_pushes_frames_and_stops_asking_when_turned_off(
    page, site: Site
) -> None:
    """ "Live" on the meter page: the web service asks the camera for photos while the page
    watches, their frames come pushed over SSE (no reload per frame); off, it stops asking."""
    capture, frame = "meterhub/pln/cmd/capture", "meterhub/pln/frame"
    assert (await page.request.get("/api/devices/p1/live")).status == 404  # no camera
    await page.goto("/meters/pln")
    await page.wait_for_function(LIVE_ON)
    start = len(site.heard.messages)
    await page.click("#live-view")
    # Counted from the first pushed frame on: a reload asked for just before the click
    # (a new reading's frame) may still finish, and only then shows in the timings.
    await page.wait_for_function(
        "() => Number(document.getElementById('figure').dataset.liveFrames || 0) >= 1",
        timeout=WAIT_MS,
    )
    reloads = await page.evaluate(RELOADS)
    await page.wait_for_function(
        "() => Number(document.getElementById('figure').dataset.liveFrames || 0) >= 3",
        timeout=WAIT_MS,
    )
    assert (await page.get_attribute("#frame", "src")).startswith("data:image/jpeg;base64,")
    assert await page.evaluate(RELOADS) == reloads  # no image fetched per frame while live
    asked = {
        json.loads(m.payload)["request_id"]
        for m in site.heard.messages[start:]
        if m.topic == capture
    }
    answered = [
        m for m in site.heard.messages[start:]
        if m.topic == frame and m.user_properties.get("request_id") in asked
    ]  # fmt: skip
    assert len(answered) >= 2, (len(asked), len(answered))
    await shot(page, "meter-live-view")

    await page.click("#live-view")  # off: the stream closes, the asking stops
    assert await page.get_attribute("#live-view", "aria-pressed") == "false"
    off = len(site.heard.messages)

    def timer_frames_after_off() -> list[int]:
        return [
            index for index, m in enumerate(site.heard.messages[off:], off)
            if m.topic == frame and "request_id" not in m.user_properties
        ]  # fmt: skip

    # Two of the camera's own timer frames later, no capture was asked for between them
    # (one already on its way when the page turned it off may land before the first).
    await site.heard.wait_for(lambda _m: len(timer_frames_after_off()) >= 2, timeout=WAIT_MS)
    first, second = timer_frames_after_off()[:2]
    between = [m for m in site.heard.messages[first:second] if m.topic == capture]
    assert not between, [m.payload for m in between]


async def test_enter_a_token_and_watch_it_verified(page, site: Site) -> None:
    await page.goto("/prepaid?device=pln")
    await page.locator("#balance").wait_for(timeout=WAIT_MS)
    await page.fill("#token", "12345")
    await page.click("#token-send")
    refused = page.locator("#token-steps li[data-state=refused]")
    await refused.wait_for(timeout=WAIT_MS)
    assert "20 digits, this has 5" in await refused.inner_text()

    await page.fill("#token", TOKEN)
    await page.click("#token-send")
    for state in ("queued", "typing", "typed"):
        await page.locator(f"#token-steps li[data-state={state}]").first.wait_for(timeout=WAIT_MS)
    # The last step, whichever it is: a failure shows its reason instead of a timeout.
    ended = page.locator("#token-steps li[data-state=verified], #token-steps li[data-state=failed]")
    await ended.first.wait_for(timeout=60_000)
    assert await ended.first.get_attribute("data-state") == "verified", (
        await ended.first.inner_text()
    )
    assert "→" in await ended.first.inner_text()
    row = page.locator("#tokens tbody tr").first
    await page.wait_for_function(
        "() => document.querySelector('#tokens tbody tr td:nth-child(4)')?.textContent"
        " === 'verified'",
        timeout=WAIT_MS,
    )
    assert "…0126" in await row.inner_text() and "web" in await row.inner_text()
    await shot(page, "prepaid-light-desktop")


async def test_open_the_month_peak_quarter(page, site: Site) -> None:
    await page.goto("/capacity?device=p1hist&day=2026-01-10")
    await page.wait_for_function(
        "() => document.getElementById('quarters-chart').dataset.quarters === '0'"
    )
    await page.click("#month-peak")
    detail = page.locator("#detail:not([hidden])")
    await detail.wait_for(timeout=WAIT_MS)
    assert await detail.get_attribute("data-start") == "2026-01-15T17:45:00Z"
    title = await page.locator("#detail-title").inner_text()
    assert title.startswith("18:45") and "6,400 W" in title and "month peak" in title
    assert await page.input_value("#day") == "2026-01-15"
    assert "18:45" in await page.locator("#peak-note").inner_text()
    assert await page.locator("#quarters-chart").get_attribute("data-quarters") == "16"
    await shot(page, "capacity-peak-light-desktop")


@pytest.mark.parametrize(
    ("locale", "clock"),
    [("en-GB", r"\d{2}:\d{2}:\d{2}"), ("en-US", r"\d{1,2}:\d{2}:\d{2}\s?[AP]M")],
)
async def test_a_meter_page_shows_every_time_in_the_meters_zone(
    browser, site: Site, session, locale: str, clock: str
) -> None:
    """The browser is in Tokyo; the P1 meter's capacity page is in Brussels, says so, and
    writes its clock as the locale does (24 h in Britain, 12 h in the US)."""
    context = await browser.new_context(
        base_url=site.url, storage_state=session, locale=locale, timezone_id="Asia/Tokyo"
    )
    page = await context.new_page()
    await page.goto("/capacity?device=p1")
    assert (await page.inner_text("#zone")).endswith("Europe/Brussels")
    age = page.locator("#now-age")
    await page.wait_for_function("el => el.textContent.length > 2", arg=await age.element_handle(),
                                 timeout=WAIT_MS)  # fmt: skip
    shown = (await age.inner_text()).removeprefix("· ").strip()
    assert re.fullmatch(clock, shown), shown
    hour = int(shown.split(":")[0]) % 12
    brussels = datetime.now(BRUSSELS)
    near = {(brussels + timedelta(minutes=m)).hour % 12 for m in (-2, 0, 2)}
    assert hour in near, (shown, brussels)  # not Tokyo's hour, eight hours on
    await context.close()


async def test_a_meter_with_its_own_zone_shows_it_on_every_page_and_its_card(
    browser, site: Site, session
) -> None:
    """The Jakarta kos meter (devices.plnhist.timezone), seen from a browser in Tokyo in a
    24-hour locale: every page of it says Jakarta and writes Jakarta's clock; its overview
    card names its zone beside the other meters' own."""
    context = await browser.new_context(
        base_url=site.url, storage_state=session, locale="en-GB", timezone_id="Asia/Tokyo"
    )
    page = await context.new_page()
    errors = watch_errors(page)
    now_shown = "() => MH.localTime(new Date().toISOString(), { timeStyle: 'medium' })"
    for path in ("/meters/plnhist", "/history?device=plnhist", "/prepaid?device=plnhist"):
        await page.goto(path)
        assert (await page.inner_text("#zone")).endswith("Asia/Jakarta"), path
        shown = await page.evaluate(now_shown)
        assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", shown), (path, shown)  # 24 h in en-GB
        jakarta = datetime.now(ZoneInfo("Asia/Jakarta"))
        near = {(jakarta + timedelta(minutes=m)).hour for m in (-2, 0, 2)}
        assert int(shown[:2]) in near, (path, shown, jakarta)  # not Tokyo's, two hours on
    await page.goto("/meters/p1")  # no zone of its own: the capacity zone its bills are in
    assert (await page.inner_text("#zone")).endswith(site.config.capacity.timezone)
    await page.goto("/")
    card_zone = page.locator(".meter[data-device=plnhist] .zone")
    assert (await card_zone.inner_text()).endswith("Asia/Jakarta")
    other = await page.locator(".meter[data-device=pln] .zone").inner_text()
    assert other.endswith(site.config.storage.timezone)
    await context.close()
    assert not errors, errors


# Per language: the browser's locale, the overview's nav text, the power label, and how
# the health page writes a reading's date and 24-hour time (medium style) in that locale.
LANGUAGE_CASES = {
    "id": ("id-ID", "Ringkasan", "Daya bersih", r"\d{1,2} \w{3} \d{4},? \d{2}\.\d{2}\.\d{2}"),
    "nl": ("nl-BE", "Overzicht", "Nettovermogen", r"\d{1,2} \w{3}\.? \d{4},? \d{2}:\d{2}:\d{2}"),
    "de": ("de-DE", "Übersicht", "Nettoleistung", r"\d{2}\.\d{2}\.\d{4},? \d{2}:\d{2}:\d{2}"),
    "ru": (
        "ru-RU",
        "Обзор",
        "Чистая мощность",
        r"\d{1,2} \w{3,4}\.? \d{4} г\.,? \d{2}:\d{2}:\d{2}",
    ),
}


@pytest.mark.parametrize("language", sorted(LANGUAGE_CASES))
async def test_the_overview_in_the_browsers_language(
    browser, site: Site, session, language: str
) -> None:
    """A browser set to the language gets the page in it: texts from its catalogue (the
    scripts' too), quantity labels translated, a decimal comma, the locale's date and clock."""
    locale, overview, power_label, date = LANGUAGE_CASES[language]
    context = await browser.new_context(
        base_url=site.url, storage_state=session, locale=locale, timezone_id="Asia/Tokyo"
    )  # fmt: skip
    page = await context.new_page()
    errors = watch_errors(page)
    await page.goto("/")
    assert await page.get_attribute("html", "lang") == locale
    assert await page.inner_text("nav a.here") == overview
    assert await page.input_value("#language") == language
    energy = page.locator(".meter[data-device=p1] dd[data-quantity=energy_import_kwh]")
    await energy.wait_for(timeout=WAIT_MS)
    # Three decimals after a comma: the locale's decimal sign, not the English point.
    assert re.search(r"\d,\d{3} kWh$", await energy.inner_text()), await energy.inner_text()
    power = page.locator(".meter[data-device=p1] dd[data-quantity=power_w]")
    label = await page.evaluate("el => el.previousElementSibling.textContent",
                                await power.element_handle())  # fmt: skip
    assert label == power_label
    age = await page.inner_text(".meter[data-device=p1] .age")
    assert not age.startswith("read "), age  # the script's text is translated too
    await shot(page, f"overview-{language}")
    await page.goto("/health")
    seen = page.locator("#devices tr[data-device=p1] td:nth-child(4)")
    await page.wait_for_function("el => /\\d/.test(el.textContent)",
                                 arg=await seen.element_handle(), timeout=WAIT_MS)  # fmt: skip
    shown = await seen.inner_text()
    assert re.match(date, shown) and not re.search(r"[AP]M", shown), shown
    await context.close()
    assert not errors, errors


async def test_the_language_switch_is_remembered(browser, site: Site, session) -> None:
    """An English browser picks Dutch in the header: this page and the next are Dutch."""
    context = await browser.new_context(base_url=site.url, storage_state=session, locale="en-GB")
    page = await context.new_page()
    errors = watch_errors(page)
    await page.goto("/history?device=p1")
    assert await page.inner_text("nav a.here") == "History"
    await page.select_option("#language", "nl")
    # The switch reloads the page. Not waited on as "a navigation": the history page's own
    # replaceState of its query is one too, and could end the wait before the reload.
    await page.locator("html[lang=nl]").wait_for(state="attached", timeout=WAIT_MS)
    assert await page.inner_text("nav a.here") == "Geschiedenis"
    await page.goto("/capacity?device=p1")
    assert await page.inner_text("h1") == "Capaciteitstarief"
    await context.close()
    assert not errors, errors


PAGES = {
    "overview": "/",
    "meter": "/meters/pln",
    "history": "/history?device=p1&every=minute",
    "capacity": "/capacity?device=p1hist&day=2026-01-15",
    "prepaid": "/prepaid?device=pln",
    "health": "/health",
}


@pytest.mark.parametrize(
    ("scheme", "viewport"),
    [("light", (390, 844)), ("dark", (1280, 900)), ("dark", (390, 844))],
)
async def test_every_page_renders_on_phone_and_desktop_in_light_and_dark(
    browser, site: Site, session, scheme: str, viewport: tuple[int, int]
) -> None:
    context = await browser.new_context(
        base_url=site.url, storage_state=session, color_scheme=scheme,
        viewport={"width": viewport[0], "height": viewport[1]},
    )  # fmt: skip
    page = await context.new_page()
    errors = watch_errors(page)
    kind = "phone" if viewport[0] < 600 else "desktop"
    for name, path in PAGES.items():
        await page.goto(path)
        await page.wait_for_function(LIVE_ON, timeout=WAIT_MS)
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{name} scrolls sideways on a {viewport[0]} px screen"
        await shot(page, f"{name}-{scheme}-{kind}")
    await context.close()
    assert not errors, errors


async def test_api_docs_render_from_this_site_alone(browser, site: Site, session) -> None:
    """Swagger UI is vendored: with every other origin cut off, the docs still render."""
    context = await browser.new_context(base_url=site.url, storage_state=session)
    elsewhere: list[str] = []

    async def only_this_site(route: Any) -> None:
        if route.request.url.startswith(site.url):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_this_site)
    page = await context.new_page()
    errors = watch_errors(page)
    await page.goto("/api/docs")
    await page.locator(".opblock").first.wait_for(timeout=WAIT_MS)
    assert await page.locator(".opblock").count() > 10
    await shot(page, "api-docs")
    await context.close()
    assert not elsewhere, elsewhere
    assert not errors, errors


async def test_correct_the_frame_on_screen_in_indonesian_and_delete_its_example(
    browser, site: Site, session
) -> None:
    context = await browser.new_context(base_url=site.url, storage_state=session, locale="id-ID")
    page = await context.new_page()
    errors = watch_errors(page)
    await page.goto("/meters/pln")
    await page.wait_for_function(
        "() => document.getElementById('meter').dataset.frame", timeout=WAIT_MS
    )
    assert await page.inner_text("#correct-submit") == "Koreksi"
    await site.heard.wait_for(
        lambda m: m.topic == "meterhub/pln/state" and b"token_balance_kwh" in m.payload
    )
    # The newest value read, typed the Indonesian way: the simulated meter stays plausible.
    value = [
        json.loads(m.payload)["token_balance_kwh"]
        for m in site.heard.messages
        if m.topic == "meterhub/pln/state" and b"token_balance_kwh" in m.payload
    ][-1]
    await page.fill("#correct-value", f"{value:.2f}".replace(".", ","))
    await page.click("#correct-submit")
    await page.locator("#correct-status.ok-text").wait_for(timeout=WAIT_MS)
    assert "disimpan sebagai bacaan manual" in await page.inner_text("#correct-status")
    sent = json.loads(
        (await site.heard.wait_for(lambda m: m.topic == "meterhub/pln/correction")).payload
    )
    assert sent["value"] == value and sent["via"] == "web" and sent["who"] == "admin"
    example = page.locator(f"#examples li[data-example='{sent['frame_id']}']")
    await example.wait_for(timeout=WAIT_MS)
    assert (site.config.storage.data_dir / "training" / "pln" / f"{sent['example']}.jpg").exists()
    await shot(page, "meter-correction-id")
    await example.locator("button").click()
    await example.wait_for(state="detached", timeout=WAIT_MS)
    assert not (
        site.config.storage.data_dir / "training" / "pln" / f"{sent['example']}.jpg"
    ).exists()
    await context.close()
    assert not errors, f"script errors or CSP refusals on the page: {errors}"


async def test_roll_back_a_meters_own_model_from_its_page(browser, site: Site, session) -> None:
    """The Roll back button (Indonesian page): active.json goes back to the shipped model,
    and with nothing to roll back the page says so."""
    store = DeviceModels(site.config.storage.data_dir)
    store.activate("pln", "lcd", store.add("pln", "lcd", b"model"), why="test")
    context = await browser.new_context(base_url=site.url, storage_state=session, locale="id-ID")
    page = await context.new_page()
    errors = watch_errors(page)
    await page.goto("/meters/pln")
    assert await page.inner_text("#train-start") == "Latih"
    await page.click("#model-rollback")
    await page.locator("#train-status.ok-text").wait_for(timeout=WAIT_MS)
    assert "model bawaan" in await page.inner_text("#train-status")
    assert store.active_path("pln", "lcd") is None
    await page.click("#model-rollback")
    await page.locator("#train-status.error").wait_for(timeout=WAIT_MS)
    assert "nothing to roll back" in await page.inner_text("#train-status")
    await context.close()
    assert not errors, f"script errors or CSP refusals on the page: {errors}"
