"""Container health check: GET a URL of this container; exit 0 only on HTTP 200.

The slim base image has no curl, so the standard library does it. docker compose passes the URL
(`python /app/deploy/healthcheck.py http://127.0.0.1:8001/readyz`); without one, as in the image's
HEALTHCHECK, it checks /healthz on the port of the service that SERVICE names.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_PORTS = {
    "booking": 8001,
    "records": 8002,
    "formulary": 8003,
    "notifications": 8004,
    "gateway": 8080,
}


def default_url() -> str:
    """/healthz on this container's service port (`<SERVICE>_PORT`, else the documented default)."""
    service = os.environ.get("SERVICE", "")
    port = os.environ.get(f"{service.upper()}_PORT") or DEFAULT_PORTS.get(service)
    if not port:
        raise SystemExit(f"healthcheck: SERVICE={service!r} is not a MesoCare service")
    return f"http://127.0.0.1:{port}/healthz"


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else default_url()
    # No proxies: an HTTP(S)_PROXY in the container's environment must not catch localhost.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=3) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:  # HTTPError (e.g. 503) is a URLError
        print(f"healthcheck: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
