"""Every FHIR resource a test receives is checked against outside models: `fhir.resources`'
R4B classes (R4 has no pydantic-2 release; these resources are the same in both)."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource, after its model (by resourceType) and, for a Bundle, each entry's accept
    it; the test fails on a ValidationError."""
    try:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except (KeyError, ValidationError) as exc:
        pytest.fail(f"not a valid FHIR {resource.get('resourceType')}: {exc}")
    if resource["resourceType"] == "Bundle":
        for entry in resource.get("entry", []):
            validated(entry["resource"])
    return resource
