"""The ingest benchmark's load: QoS 1 readings as fast as the broker acknowledges them.

Runs as its own process and speaks MQTT 5 on a plain socket (CONNECT, QoS 1 PUBLISH,
PUBACK): a general client library spends more CPU per message than the consumer under
test, and on a small machine the load would then starve what it measures. It keeps
as many publishes unacknowledged as the broker's Receive Maximum allows (capped by
WINDOW). Each reading's ``ts`` is the wall-clock time it was written to the socket, so a
consumer measures end-to-end latency on the same clock. RATE (readings/s, 0 = as fast
as the broker takes them) paces the load. Prints one JSON line.

    python -m services.bench.ingest_publisher HOST PORT COUNT DEVICES VALUES WINDOW RATE
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import time
from datetime import UTC, datetime

from ..core.topics import Topics

DEVICE_PREFIX = "bench"
# Quantities a bench reading carries, first N of them (a counter first, as meters send).
BENCH_QUANTITIES = ("energy_import_kwh", "power_w", "voltage_l1_v", "current_l1_a", "gas_m3")
CONNECT, CONNACK, PUBLISH_QOS1, PUBACK = 0x10, 0x20, 0x32, 0x40
RECEIVE_MAXIMUM_PROPERTY = 0x21
MAX_PACKET_ID = 65535
PACING_STEP_S = 0.001


def device_ids(count: int) -> list[str]:
    return [f"{DEVICE_PREFIX}{i}" for i in range(count)]


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        value, digit = divmod(value, 128)
        out.append(digit | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("!H", len(raw)) + raw


def _packet(first_byte: int, body: bytes) -> bytes:
    return bytes([first_byte]) + _varint(len(body)) + body


class Packets:
    """Splits a byte stream into (type, body) MQTT packets."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()

    def read(self) -> list[tuple[int, bytes]]:
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("broker closed the connection")
        self.buffer += data
        packets = []
        while len(self.buffer) >= 2:
            length, shift, index = 0, 0, 1
            while True:
                if index >= len(self.buffer):
                    return packets
                byte = self.buffer[index]
                length |= (byte & 0x7F) << shift
                shift += 7
                index += 1
                if not byte & 0x80:
                    break
            if len(self.buffer) < index + length:
                return packets
            packets.append((self.buffer[0] & 0xF0, bytes(self.buffer[index : index + length])))
            del self.buffer[: index + length]
        return packets


def _connect(sock: socket.socket, packets: Packets, client_id: str) -> int:
    """Clean-start MQTT 5 session; returns the broker's Receive Maximum."""
    body = _string("MQTT") + bytes([5, 0x02]) + struct.pack("!H", 60) + _varint(0)
    sock.sendall(_packet(CONNECT, body + _string(client_id)))
    while True:
        for kind, data in packets.read():
            if kind != CONNACK:
                continue
            if data[1] != 0:
                raise ConnectionError(f"CONNACK reason code {data[1]}")
            index = 2
            length, shift = 0, 0
            while True:
                byte = data[index]
                length |= (byte & 0x7F) << shift
                shift += 7
                index += 1
                if not byte & 0x80:
                    break
            properties = data[index : index + length]
            at = properties.find(bytes([RECEIVE_MAXIMUM_PROPERTY]))
            # Receive Maximum is a two-byte value right after its identifier.
            if at >= 0 and at + 3 <= len(properties):
                return struct.unpack("!H", properties[at + 1 : at + 3])[0]
            return MAX_PACKET_ID


def main(argv: list[str]) -> int:
    host, port, count, devices, values, window, rate = argv[0], *map(int, argv[1:7])
    names = device_ids(devices)
    quantities = BENCH_QUANTITIES[:values]
    topics = {name: _string(Topics().reading(name)) for name in names}
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    packets = Packets(sock)
    window = min(window, _connect(sock, packets, "meterhub-bench-publisher"))
    last_us = dict.fromkeys(names, 0)
    sent = acknowledged = 0
    started = time.time()
    while acknowledged < count:
        chunk = bytearray()
        due = count if not rate else min(count, int((time.time() - started) * rate) + 1)
        while sent < due and sent - acknowledged < window:
            device = names[sent % devices]
            # Strictly increasing per device, so no two readings share an identity.
            now_us = max(time.time_ns() // 1000, last_us[device] + 1)
            last_us[device] = now_us
            second, micro = divmod(now_us, 1_000_000)
            moment = datetime.fromtimestamp(second, UTC).replace(microsecond=micro)
            ts = moment.isoformat(timespec="microseconds")[:26] + "Z"
            body = ",".join(
                f'"{q}":{1000 + sent * 0.001 if i == 0 else float(sent % 5000)}'
                for i, q in enumerate(quantities)
            )
            payload = f'{{"device":"{device}","ts":"{ts}","source":"sim","values":{{{body}}}}}'
            packet_id = sent % MAX_PACKET_ID + 1
            variable = topics[device] + struct.pack("!H", packet_id) + _varint(0)
            chunk += _packet(PUBLISH_QOS1, variable + payload.encode())
            sent += 1
        if chunk:
            sock.sendall(chunk)
        if sent > acknowledged:
            acknowledged += sum(1 for kind, _ in packets.read() if kind == PUBACK)
        else:
            time.sleep(PACING_STEP_S)  # paced load: the next reading is not due yet
    ended = time.time()
    sock.sendall(_packet(0xE0, b"\x00\x00"))  # DISCONNECT, normal
    sock.close()
    print(json.dumps({"started": started, "ended": ended, "count": count}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
