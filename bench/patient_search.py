"""Patient search by name: `GET /v1/patients?name=…` in a network of 1M patients.

The search is partial and case-insensitive (`lower(given || ' ' || family) LIKE '%text%'`), ordered
by family name, given name and id, a page at a time. This starts its own embedded PostgreSQL and a
tansu broker, applies records' migrations, fills `patients` with generate_series (its indexes
dropped for the bulk load and built once afterwards): `--patients` in the network searched and
half as many again in three other networks, with French-style given names (accents included) and
family names from syllables, one in three double-barrelled, so a family name is shared by a few
hundred patients and a full name by a handful. It then searches through the records app (in
process, httpx ASGI transport) with names taken from random patients of the network: a full
name, a family name, a piece of one, a given name and a family name's first letters, each typed
as a receptionist would (any letter case), and prints p50/p95 per kind and over all against the
target. Exits 1 over the target.

The app runs as a superuser, as the other benchmarks do; `--as-deployed` runs it as records'
runtime login, held to row-level security (shared.provision), as the services are deployed.

    .venv/bin/python -m bench.patient_search [--requests 500] [--patients 1000000] [--as-deployed]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from bench import bearer, percentile

TARGET_P95_MS = 20.0
OTHER_NETWORKS = 3

GIVEN = [
    "Amélie", "Anaïs", "Béatrice", "Camille", "Chloé", "Claire", "Élise", "Emma", "Hélène",
    "Inès", "Jeanne", "Juliette", "Léa", "Louise", "Manon", "Margaux", "Noémie", "Océane",
    "Pauline", "Sophie", "Zoé", "Agnès", "Maëlle", "Céline", "Adèle", "Alexandre", "Antoine",
    "Benoît", "Clément", "Étienne", "François", "Gaël", "Hugo", "Jérôme", "Julien", "Léo",
    "Louis", "Lucas", "Mathéo", "Noël", "Olivier", "Raphaël", "Sébastien", "Thomas", "Yannick",
]  # fmt: skip
FAMILY_HEADS = [
    "Dur", "Gar", "Lef", "Mor", "Bern", "Rich", "Fourn", "Gir", "Bon", "Mer", "Rou", "Fauc",
    "Chev", "Lam", "Mart", "Dub", "Lem", "Blanch", "Guér", "Boul", "Marc", "Vinc", "Rob", "Pell",
    "Bret", "Coll", "Duch", "Font", "Gauth", "Laf", "Mich", "Perr", "Renaud", "Roy", "Tess",
]  # fmt: skip
FAMILY_TAILS = [
    "and", "nier", "èvre", "eau", "ard", "in", "ier", "ault", "et", "on", "elle", "ot", "illon",
    "oux", "ès", "ert", "aud", "ac", "ais", "ey", "enne", "as", "ouin", "ieux", "ain",
]  # fmt: skip


async def fill(conn: Any, network: Any, patients: int) -> None:
    """`patients` in `network` and half as many again in other networks; the names are a pure
    function of the row number, so every run builds the same population."""
    indexes = await conn.fetch(
        """SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'patients'
             AND indexname NOT IN (SELECT conname FROM pg_constraint
                                   WHERE conrelid = 'patients'::regclass)"""
    )
    for i in indexes:
        await conn.execute(f"DROP INDEX {i['indexname']}")
    others = [uuid4() for _ in range(OTHER_NETWORKS)]
    for net, first, count in [
        (network, 1, patients),
        *[(o, patients + 1 + k * patients // 6, patients // 6) for k, o in enumerate(others)],
    ]:
        # Given name and family name from independent hashes of n; a third of the family
        # names are double-barrelled (a long tail of rare names).
        await conn.execute(
            """INSERT INTO patients (id, network_id, given_name, family_name, date_of_birth,
                   email, phone, preferred_channel, locale, timezone, created_at, created_by,
                   updated_at, updated_by)
               SELECT gen_random_uuid(), $1, ($4::text[])[1 + h1 % cardinality($4::text[])],
                      ($5::text[])[1 + h2 % cardinality($5::text[])]
                        || ($6::text[])[1 + h3 % cardinality($6::text[])]
                        || CASE WHEN h4 % 3 = 0 THEN '-'
                                || ($5::text[])[1 + h5 % cardinality($5::text[])]
                                || ($6::text[])[1 + h6 % cardinality($6::text[])] ELSE '' END,
                      date '1950-01-01' + (h1 % 20000)::int,
                      'patient' || n || '@example.test', '+336' || lpad(n::text, 8, '0'),
                      'email', 'fr-FR', 'Europe/Paris', now(), 'bench', now(), 'bench'
               FROM (SELECT n, hashint4(n) & x AS h1, hashint4(n + 7919) & x AS h2,
                            hashint4(n + 104729) & x AS h3, hashint4(n + 1299709) & x AS h4,
                            hashint4(n + 15485863) & x AS h5, hashint4(n + 179424673) & x AS h6
                     FROM generate_series($2::int, $3::int) n, (SELECT 2147483647 AS x) m) s""",
            net,
            first,
            first + count - 1,
            GIVEN,
            FAMILY_HEADS,
            FAMILY_TAILS,
        )
    for i in indexes:
        await conn.execute(i["indexdef"])
    # As autovacuum leaves a table that has settled: statistics, and the visibility map that
    # lets an index-only scan skip the table.
    await conn.execute("VACUUM (ANALYZE) patients")


def searches(sample: list[tuple[str, str]], rng: random.Random, n: int) -> list[tuple[str, str]]:
    """(kind, text) pairs: what a receptionist types to find one of the sampled patients."""

    def typed(text: str) -> str:
        return rng.choice([text, text.lower(), text.upper()])

    out = []
    for _ in range(n):
        given, family = rng.choice(sample)
        kind = rng.choice(["full name", "family name", "part of a family name", "given name"])
        if kind == "full name":
            text = f"{given} {family}"
        elif kind == "family name":
            text = family
        elif kind == "part of a family name":
            start = rng.randrange(max(1, len(family) - 3))
            text = family[start : start + rng.randint(3, 5)]
        else:
            text = given
        out.append((kind, typed(text)))
    return out


@dataclass
class Figures:
    patients: int = 0
    setup: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    found: int = 0


class UnexpectedAnswer(Exception):
    """The service answered a request with something other than 200."""


async def run(settings: Any, requests: int, patients: int, as_deployed: bool) -> Figures:
    import asyncpg
    import httpx

    from services.records.app import create_app
    from shared.settings import database_on_server

    superuser_dsn = database_on_server(settings.platform.database_url, "mesocare_records")
    if as_deployed:
        from secrets import token_urlsafe

        from shared.provision import provision

        logins = await provision(
            settings.platform.database_url,
            "records",
            owner_password=token_urlsafe(18),
            runtime_password=token_urlsafe(18),
        )
        settings = settings.model_copy(
            update={"database_url": logins.runtime, "migration_database_url": logins.owner}
        )
    app = create_app(settings)
    network = uuid4()
    figures = Figures()
    async with app.router.lifespan_context(app):
        started = time.perf_counter()
        conn = await asyncpg.connect(superuser_dsn)  # no command timeout: the bulk load
        try:
            await conn.execute("SET maintenance_work_mem = '256MB'")
            await fill(conn, network, patients)
            figures.patients = await conn.fetchval("SELECT count(*) FROM patients")
            rows = await conn.fetch(
                "SELECT given_name, family_name FROM patients TABLESAMPLE SYSTEM (1) REPEATABLE (7)"
                " WHERE network_id = $1 LIMIT 5000",
                network,
            )
            sample = [(r["given_name"], r["family_name"]) for r in rows]
        finally:
            await conn.close()
        figures.setup = time.perf_counter() - started
        headers = bearer(settings.platform, network, "receptionist")
        rng = random.Random(7)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://records") as client:
            for n, (kind, text) in enumerate(searches(sample, rng, requests + 20)):
                t = time.perf_counter()
                response = await client.get("/v1/patients", params={"name": text}, headers=headers)
                elapsed = (time.perf_counter() - t) * 1000
                if response.status_code != 200:
                    raise UnexpectedAnswer(f"{response.status_code} {response.text[:300]}")
                if n >= 20:  # the first ones warm caches and prepared statements
                    figures.latencies[kind].append(elapsed)
                    figures.found += len(response.json()["items"])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--patients", type=int, default=1_000_000, help="in the network searched")
    parser.add_argument(
        "--as-deployed", action="store_true", help="run records as its runtime login (RLS)"
    )
    parser.add_argument("--budget", type=float, default=1800, help="give up after N seconds")
    args = parser.parse_args()
    requests = max(10, min(args.requests, 5000))
    patients = max(1000, min(args.patients, 10_000_000))
    logging.disable(logging.WARNING)

    from devstack.parts import embedded_parts
    from services.records.settings import Settings

    with embedded_parts("mesocare-bench-") as parts:
        platform = parts.platform(rate_limit_per_minute=10**9)
        settings = Settings(platform=platform, relay_poll_seconds=0.5)

        async def go() -> Figures:
            return await asyncio.wait_for(
                run(settings, requests, patients, args.as_deployed), timeout=args.budget
            )

        try:
            figures = asyncio.run(go())
        except UnexpectedAnswer as e:
            print("  unexpected answer:", e)
            return 1

    every = [ms for kind in figures.latencies.values() for ms in kind]
    p50, p95 = percentile(every, 50), percentile(every, 95)
    login = "records' runtime login, row-level security" if args.as_deployed else "a superuser"
    print(
        f"patient search by name: {patients} patients in the network searched, "
        f"{figures.patients} in all (set up in {figures.setup:.0f} s), as {login}"
    )
    for kind, values in sorted(figures.latencies.items()):
        print(
            f"  {kind:<22} p50 {percentile(values, 50):6.1f} ms   "
            f"p95 {percentile(values, 95):6.1f} ms   (n={len(values)})"
        )
    print(
        f"  GET /v1/patients?name= (in process): p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   "
        f"(n={len(every)}, {figures.found / len(every):.1f} patients per page)"
    )
    print(f"  p95 / target ({TARGET_P95_MS:g} ms): {p95 / TARGET_P95_MS:.2f}")
    return 0 if p95 <= TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
