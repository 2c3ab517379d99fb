"""The demo catalog loaded into a network: complete, marked as demo data, idempotent."""

from __future__ import annotations

from uuid import uuid4

from services.formulary import demo_catalog
from services.formulary.seeding import seed_demo_catalog
from tests.integration.formulary.helpers import auth, today
from tests.support import RunningService


class TestDemoCatalog:
    async def test_seeding_twice_loads_the_demo_catalog_once(
        self, formulary: RunningService
    ) -> None:
        network = uuid4()
        async with formulary.pool.acquire() as conn, conn.transaction():
            first = await seed_demo_catalog(conn, network, today())
        async with formulary.pool.acquire() as conn, conn.transaction():
            second = await seed_demo_catalog(conn, network, today())
        assert first == {
            "allergen_classes": len(demo_catalog.DEMO_ALLERGEN_CLASSES),
            "ingredients": len(demo_catalog.DEMO_INGREDIENTS),
            "blends": len(demo_catalog.DEMO_BLENDS),
            "lots": len(demo_catalog.demo_lots(today())),
        }
        assert set(second.values()) == {0}

        headers = auth(formulary, network, "practitioner")
        ingredients = await formulary.client.get("/v1/ingredients?limit=200", headers=headers)
        items = ingredients.json()["items"]
        assert len(items) == len(demo_catalog.DEMO_INGREDIENTS)
        assert all(i["demo"] for i in items)
        assert {i["category"] for i in items if i["approved"]} == {
            "vitamin", "mineral", "amino_acid", "enzyme", "hormone", "plant_extract",
            "hyaluronic_acid", "antioxidant", "lipolytic", "peptide", "anaesthetic",
        }  # fmt: skip
        collagenase = next(i for i in items if i["code"] == "collagenase")
        assert (collagenase["status"], collagenase["approved"]) == ("withdrawn", False)
        classes = await formulary.client.get("/v1/allergen-classes/compositae", headers=headers)
        assert classes.json()["cross_reacts_with"]["sesquiterpene_lactones"] == "probable"
        lots = await formulary.client.get("/v1/lots?limit=200", headers=headers)
        assert sum(lot["expired"] for lot in lots.json()["items"]) == 1
