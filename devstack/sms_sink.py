"""A local SMS provider sink: accepts `POST /messages` JSON {to, body, reference} and keeps it.

`python -m devstack.sms_sink --port 2526 --dir .devstack/sms`; in tests, `start_sms_sink(port)`
runs it in a thread. `GET /messages` lists what it kept. `refuse_next` answers the next N
messages with 503, to exercise retries.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class SmsSink:
    folder: Path | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    refuse_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accept(self, message: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                return 503, {"error": "temporarily unavailable, try again later"}
            if not isinstance(message.get("to"), str) or not isinstance(message.get("body"), str):
                return 400, {"error": "to and body are required strings"}
            kept = {**message, "id": f"sms-{time.time_ns()}"}
            self.messages.append(kept)
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{kept['id']}.json").write_text(json.dumps(kept, indent=2))
            print(f"sms: to={kept['to']} chars={len(kept['body'])} id={kept['id']}", flush=True)
        return 202, {"id": kept["id"], "status": "accepted"}


def _handler(sink: SmsSink) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: Any) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            if self.path.rstrip("/") != "/messages":
                return self._answer(404, {"error": "POST /messages"})
            length = int(self.headers.get("Content-Length") or 0)
            try:
                message = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                return self._answer(400, {"error": "body is not JSON"})
            if not isinstance(message, dict):
                return self._answer(400, {"error": "body must be a JSON object"})
            self._answer(*sink.accept(message))

        def do_GET(self) -> None:
            if self.path.rstrip("/") != "/messages":
                return self._answer(404, {"error": "GET /messages"})
            with sink.lock:
                self._answer(200, list(sink.messages))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class SmsSinkServer:
    def __init__(self, port: int, folder: Path | None = None) -> None:
        self.sink = SmsSink(folder)
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self.sink))
        self.url = f"http://127.0.0.1:{port}/messages"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> SmsSinkServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_sms_sink(port: int, folder: Path | None = None) -> SmsSinkServer:
    """Serve a sink on 127.0.0.1:`port` in a background thread; `.url` is the provider URL."""
    return SmsSinkServer(port, folder).start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=2526)
    parser.add_argument("--dir", type=Path, default=Path(".devstack/sms"))
    args = parser.parse_args()
    server = SmsSinkServer(args.port, args.dir)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.stop).start())
    try:
        server.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server.server_close()


if __name__ == "__main__":
    main()
