"""`python -m services.records`: HTTP server, outbox relay and consumers in one process."""

from services.records.app import create_app
from services.records.settings import Settings
from shared.service import serve
from shared.settings import load_settings


def main() -> None:
    settings = load_settings(Settings, program="records")
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
