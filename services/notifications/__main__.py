"""`python -m services.notifications`: HTTP server, outbox relay and consumers in one process."""

from services.notifications.app import create_app
from services.notifications.settings import Settings
from shared.service import serve


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
