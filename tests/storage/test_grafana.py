"""Grafana provisioning agrees with the generator, InfluxDB's compose set-up and the catalogue.

No Grafana runs here: the files are read as data and checked against what they refer to.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from services.core.measurements import COST
from services.core.quantities import COSTS, QUANTITIES
from services.storage.sinks.base import MEASUREMENT
from services.tools import grafana

REPO = Path(__file__).resolve().parents[2]
PROVISIONING = REPO / "grafana" / "provisioning"
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
DOCKER_CONFIG = yaml.safe_load((REPO / "docker" / "config.yml").read_text())
INFLUX_INIT = COMPOSE["influxdb"]["environment"]
DASHBOARD_FILES = sorted((PROVISIONING / "dashboards" / "meterhub").glob("*.json"))


def _container_path(host_path: Path) -> str:
    """Where a file under grafana/provisioning appears inside the Grafana container."""
    for volume in COMPOSE["grafana"]["volumes"]:
        source, target, *_ = volume.split(":")
        if source.startswith("./") and host_path.is_relative_to(REPO / source[2:]):
            return target + "/" + str(host_path.relative_to(REPO / source[2:]))
    raise AssertionError(f"{host_path} is not mounted into the Grafana container")


def test_committed_dashboards_are_what_the_generator_makes():
    assert {p.name: p.read_text() for p in DASHBOARD_FILES} == grafana.render()


def test_the_dashboard_provider_loads_the_dashboards_folder():
    (provider,) = yaml.safe_load((PROVISIONING / "dashboards" / "meterhub.yml").read_text())[
        "providers"
    ]
    assert provider["options"]["path"] == _container_path(DASHBOARD_FILES[0].parent)


def test_the_datasource_is_the_compose_influxdb_with_flux_and_its_token():
    (source,) = yaml.safe_load((PROVISIONING / "datasources" / "influxdb.yml").read_text())[
        "datasources"
    ]
    assert source["uid"] == grafana.DATASOURCE["uid"] and source["type"] == "influxdb"
    assert source["jsonData"]["version"] == "Flux"
    assert source["jsonData"]["organization"] == INFLUX_INIT["DOCKER_INFLUXDB_INIT_ORG"]
    assert source["jsonData"]["defaultBucket"] == INFLUX_INIT["DOCKER_INFLUXDB_INIT_BUCKET"]
    assert source["url"] == "http://influxdb:8086" and "8086:8086" in COMPOSE["influxdb"]["ports"]
    assert source["secureJsonData"]["token"] == "$INFLUXDB_TOKEN"
    assert "INFLUXDB_TOKEN" in COMPOSE["grafana"]["environment"]


def test_storage_in_the_containers_writes_where_grafana_reads():
    sink = DOCKER_CONFIG["storage"]["influxdb"]
    assert sink["url"] == "http://influxdb:8086"
    assert sink["org"] == INFLUX_INIT["DOCKER_INFLUXDB_INIT_ORG"]
    assert sink["bucket"] == INFLUX_INIT["DOCKER_INFLUXDB_INIT_BUCKET"]
    assert sink["token"] == "{INFLUXDB_TOKEN}"


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.name)
def test_every_panel_queries_known_quantities_with_defined_variables(path: Path):
    dashboard = json.loads(path.read_text())
    defined = {v["name"] for v in dashboard["templating"]["list"]}
    assert dashboard["panels"]
    for panel in dashboard["panels"]:
        assert panel["datasource"] == grafana.DATASOURCE
        (target,) = panel["targets"]
        flux = target["query"]
        (measurement,) = set(re.findall(r'r\._measurement == "(\w+)"', flux))
        known = {MEASUREMENT: QUANTITIES.keys(), COST: set(COSTS.values())}[measurement]
        fields = set(re.findall(r'r\._field == "([a-z0-9_]+)"', flux))
        assert fields <= known, fields - known
        used = set(re.findall(r"\$\{(\w+)\}", flux))
        assert used <= defined, f"{panel['title']}: {used - defined} not defined"
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= grafana.GRID_WIDTH


def test_the_dashboards_cover_what_the_issue_asks_for():
    titles = {d["title"]: [p["title"] for p in d["panels"]] for d in map(
        lambda p: json.loads(p.read_text()), DASHBOARD_FILES
    )}  # fmt: skip
    panels = " | ".join(t for ts in titles.values() for t in ts).lower()
    wanted_words = ("power", "per day", "per month", "balance", "days left", "quarter", "peak",
                    "cost")  # fmt: skip
    for wanted in wanted_words:
        assert wanted in panels, wanted
    assert len(titles) == 5
