"""HTTP boundary of the records service: parse, authorize and audit, call domain/repository."""

from services.records.api import audit, clinical, patients, treatments

PREFIX = "/v1"
# Side by side rather than nested under one prefix router (see services/booking/api).
routers = [module.router for module in (patients, clinical, treatments, audit)]
