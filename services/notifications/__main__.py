"""`python -m services.notifications`: HTTP server, outbox relay and consumers in one process."""

from services.notifications.app import create_app
from services.notifications.settings import Settings
from shared.service import serve
from shared.settings import load_settings


def main() -> None:
    settings = load_settings(Settings, program="notifications")
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
