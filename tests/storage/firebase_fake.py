"""A small local fake of the Firebase Realtime Database REST API, for firebase-admin.

firebase-admin talks to it in emulator mode (``databaseURL`` ``http://127.0.0.1:PORT?ns=x``).
It keeps one JSON tree and answers the calls the SDK makes: ``GET``, ``PUT``,
``PATCH`` (multi-path updates: keys may contain ``/``), ``POST`` (push) and ``DELETE``
on ``/<path>.json``; ``print=silent`` gives 204. ``stop()``/``start()`` keep the tree
and the port, so a test can take it down as a real outage would.
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from services.tools.broker_process import free_port


def _parts(path: str) -> list[str]:
    return [p for p in path.strip("/").split("/") if p]


class RtdbFake:
    def __init__(self, namespace: str = "meterhub-test") -> None:
        self.namespace = namespace
        self.port = free_port()
        self.tree: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, str]] = []  # method, path, Authorization
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def database_url(self) -> str:
        return f"http://127.0.0.1:{self.port}?ns={self.namespace}"

    # --- the tree ---------------------------------------------------------------------
    def get(self, path: str) -> Any:
        with self.lock:
            node: Any = self.tree
            for part in _parts(path):
                if not isinstance(node, dict) or part not in node:
                    return None
                node = node[part]
            return json.loads(json.dumps(node))

    def _set(self, path: str, value: Any) -> None:
        parts = _parts(path)
        if not parts:
            self.tree = value if isinstance(value, dict) else {}
            return
        node = self.tree
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if value is None:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value

    # --- HTTP -------------------------------------------------------------------------
    def start(self) -> RtdbFake:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, status: int, body: Any = None) -> None:
                data = b"" if status == 204 else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                if not url.path.endswith(".json"):
                    self._answer(404, {"error": "not found"})
                    return
                path = url.path[: -len(".json")]
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                fake.requests.append((self.command, path, self.headers.get("Authorization", "")))
                silent = query.get("print") == ["silent"]
                with fake.lock:
                    if self.command == "GET":
                        result: Any = None
                    elif self.command == "PUT":
                        fake._set(path, body)
                        result = body
                    elif self.command == "PATCH":
                        if not isinstance(body, dict):
                            self._answer(400, {"error": "Invalid data; couldn't parse JSON"})
                            return
                        for key, value in body.items():
                            fake._set(f"{path}/{key}", value)
                        result = body
                    elif self.command == "POST":
                        key = uuid.uuid4().hex
                        fake._set(f"{path}/{key}", body)
                        result = {"name": key}
                    elif self.command == "DELETE":
                        fake._set(path, None)
                        result = None
                    else:
                        self._answer(405, {"error": "method not allowed"})
                        return
                if self.command == "GET":
                    result = fake.get(path)
                self._answer(204 if silent else 200, result)

            do_GET = do_PUT = do_PATCH = do_POST = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
