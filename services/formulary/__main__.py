"""`python -m services.formulary`: HTTP server, outbox relay and consumers in one process."""

from services.formulary.app import create_app
from services.formulary.settings import Settings
from shared.service import serve
from shared.settings import load_settings


def main() -> None:
    settings = load_settings(Settings, program="formulary")
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
