"""`python -m services.gateway`: HTTP server, outbox relay and consumers in one process.

With arguments, an operator command instead (`python -m services.gateway create-admin --help`).
"""

import sys

from services.gateway.app import create_app
from services.gateway.settings import Settings
from shared.service import serve
from shared.settings import load_settings


def main() -> None:
    if len(sys.argv) > 1:
        from services.gateway import commands

        sys.exit(commands.main(sys.argv[1:]))
    settings = load_settings(Settings, program="gateway")
    # serve() gives uvicorn the gateway's FORWARDED_ALLOW_IPS (default: no proxy trusted).
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
