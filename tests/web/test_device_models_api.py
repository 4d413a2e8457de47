"""The meter page's Train and Roll back: training runs as a subprocess whose progress the
API reports; without the train extra the answer names it; rollback swaps active.json."""

from __future__ import annotations

import asyncio
import sys

from services.domain.device_models import DeviceModels
from services.web.api import device_models

PROGRESS = (
    "import sys; print('lcd network 1/2: epoch 1/2'); print('lcd network 2/2: epoch 2/2'); "
    "print('pln: kept the model in use'); sys.exit({code})"
)


def _runs(client):
    return client._transport.app.state.web.training  # the app behind the test client


async def test_without_the_train_extra_the_button_says_what_to_install(open_client, monkeypatch):
    monkeypatch.setattr(device_models, "missing_train_packages", lambda: ["torch"])
    answer = await open_client.post("/api/devices/pln/training/run")
    assert answer.status_code == 501 and "pip install -e '.[train]'" in answer.json()["detail"]
    status = await open_client.get("/api/devices/pln/training/status")
    assert status.json()["state"] == "idle"


async def test_a_run_reports_its_progress_and_outcome(open_client, monkeypatch):
    monkeypatch.setattr(device_models, "missing_train_packages", lambda: [])
    runs = _runs(open_client)
    for code, state in ((1, "kept"), (0, "switched"), (3, "failed")):
        runs.command = lambda *_, code=code: [sys.executable, "-c", PROGRESS.format(code=code)]
        answer = await open_client.post("/api/devices/pln/training/run")
        assert answer.status_code == 202 and answer.json()["state"] == "running"
        await asyncio.wait_for(runs.wait("pln"), 30)
        status = (await open_client.get("/api/devices/pln/training/status")).json()
        assert status["state"] == state and status["finished"]
        assert status["lines"][-1] == "pln: kept the model in use"
        assert status["progress"] == 1.0  # failed: from the epoch lines alone


async def test_one_run_per_meter_and_stopping_the_service_ends_it(open_client, monkeypatch):
    monkeypatch.setattr(device_models, "missing_train_packages", lambda: [])
    runs = _runs(open_client)
    runs.command = lambda *_: [sys.executable, "-c", "import time; time.sleep(60)"]
    assert (await open_client.post("/api/devices/pln/training/run")).status_code == 202
    again = await open_client.post("/api/devices/pln/training/run")
    assert again.status_code == 409 and "already running" in again.json()["detail"]
    await asyncio.wait_for(runs.stop(), 30)
    assert runs.status("pln").state == "failed"


async def test_models_are_listed_and_rolled_back(open_client, tmp_path):
    store = DeviceModels(tmp_path / "data")
    nothing = await open_client.post("/api/devices/pln/models/rollback")
    assert nothing.status_code == 409 and "nothing to roll back" in nothing.json()["detail"]
    name = store.add("pln", "lcd", b"model")
    store.activate("pln", "lcd", name, why="trained")
    listed = (await open_client.get("/api/devices/pln/models")).json()
    assert listed["kind"] == "lcd" and listed["active"]["active"] == name
    assert listed["files"] == [name]
    rolled = await open_client.post("/api/devices/pln/models/rollback")
    assert rolled.status_code == 200 and rolled.json()["active"] is None
    assert store.active_path("pln", "lcd") is None
