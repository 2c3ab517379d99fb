"""HTTP boundary of the records service: parse the request, call one use case, answer with a
response model. Every router commits the request's unit of work (`UnitOfWorkRoute`)."""

from services.records.api import audit, clinical, fhir, patients, treatments

PREFIX = "/v1"
# Side by side rather than nested under one prefix router (see services/booking/api).
routers = [module.router for module in (patients, clinical, treatments, audit)]
"""Each under PREFIX."""
unversioned = [fhir.router]
"""FHIR's paths are its own (`/fhir/R4/...`), not a version of records' API."""
