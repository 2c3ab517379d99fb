"""`python -m services.booking`: HTTP server, outbox relay and consumers in one process."""

from services.booking.app import create_app
from services.booking.settings import Settings
from shared.service import serve
from shared.settings import load_settings


def main() -> None:
    settings = load_settings(Settings, program="booking")
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
