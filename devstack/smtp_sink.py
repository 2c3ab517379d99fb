"""A local SMTP sink: accepts every message, keeps it as an .eml file and logs one line.

`python -m devstack.smtp_sink --port 1025 --dir .devstack/mail`
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class MailSink:
    """aiosmtpd handler that stores every accepted message (in memory and, if given, on disk)."""

    folder: Path | None = None
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    refuse_next: int = 0
    """Answer the next N messages with a temporary failure (451), to exercise retries."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "451 4.3.0 Temporary failure, try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = f"{time.time_ns()}.eml"
            (self.folder / name).write_bytes(envelope.content)
            print(
                f"mail: to={','.join(envelope.rcpt_tos)} subject={message['subject']!s} "
                f"saved={self.folder / name}",
                flush=True,
            )
        return "250 Message accepted for delivery"


def start_sink(port: int, folder: Path | None = None) -> tuple[Controller, MailSink]:
    """Start a sink on 127.0.0.1:`port` in a background thread (choose a free port first)."""
    sink = MailSink(folder)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, sink


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, default=Path(".devstack/mail"))
    args = parser.parse_args()
    controller, _sink = start_sink(args.port, args.dir)
    stop = asyncio.Event()

    async def wait() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()

    try:
        asyncio.run(wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
