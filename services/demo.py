"""`meterhub demo`: a broker as a child process, then every service with simulated meters."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from .broker.conf import MAX_PACKET_BYTES
from .core.config import load_config
from .core.runtime import run_services
from .core.runtime.logs import setup_logging
from .registry import specs_for
from .tools.broker_process import BrokerError, MosquittoProcess


def _listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def run_demo(config_path: str | None, *, broker_port: int | None = None) -> int:
    loaded = load_config(config_path)
    config = loaded.config
    if broker_port is not None:
        config = config.model_copy(
            update={"mqtt": config.mqtt.model_copy(update={"port": broker_port})}
        )
    setup_logging(config.logging.level)
    mqtt = config.mqtt
    broker: MosquittoProcess | None = None
    if _listening(mqtt.host, mqtt.port):
        print(f"A broker already listens on {mqtt.host}:{mqtt.port}; using it.")
    else:
        data_dir = Path(config.storage.data_dir).resolve() / "mosquitto"
        try:
            broker = MosquittoProcess(
                port=mqtt.port,
                host=mqtt.host,
                data_dir=data_dir,
                extra_config=f"max_packet_size {MAX_PACKET_BYTES}\n",  # as a home broker's
            ).start()
        except BrokerError as error:
            print(f"Cannot start the broker: {error}")
            return 1
        print(f"Broker: mosquitto on {mqtt.host}:{mqtt.port} (persistence in {data_dir})")
    web = config.web
    print(
        f"Meterhub: http://{web.host}:{web.port}/   (REST API: http://{web.host}:{web.port}/api/docs)"
    )
    print(
        f"Watch the bus: mosquitto_sub -h {mqtt.host} -p {mqtt.port} -v -t '{mqtt.topic_prefix}/#'"
    )
    print("Ctrl-C stops everything.")
    try:
        asyncio.run(
            run_services(config, specs_for("all", simulator_enabled=config.simulator.enabled))
        )
    except KeyboardInterrupt:
        pass
    finally:
        if broker is not None:
            broker.stop()
            print("Broker stopped.")
    return 0
