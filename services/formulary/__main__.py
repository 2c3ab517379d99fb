"""`python -m services.formulary`: HTTP server, outbox relay and consumers in one process."""

from services.formulary.app import create_app
from services.formulary.settings import Settings
from shared.service import serve


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
