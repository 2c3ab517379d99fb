"""The demo network `make run` seeds: fixed ids so every service's demo data lines up.

DEMO DATA for the local stack only: refused when MESOCARE_ENV=production.
"""

from __future__ import annotations

from uuid import UUID

DEMO_NETWORK_ID = UUID("0d3e0000-5eed-4de0-8000-000000000001")
DEMO_PASSWORD = "mesocare-demo"
"""The password of every demo login (services/gateway/seeding.py); published, so never real."""
