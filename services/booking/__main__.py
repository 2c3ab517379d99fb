"""`python -m services.booking`: HTTP server, outbox relay and consumers in one process."""

from services.booking.app import create_app
from services.booking.settings import Settings
from shared.service import serve


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
