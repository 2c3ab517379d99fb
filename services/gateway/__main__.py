"""`python -m services.gateway`: HTTP server, outbox relay and consumers in one process."""

from services.gateway.app import create_app
from services.gateway.settings import Settings
from shared.service import serve


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
