"""`POST /auth/token`: the OAuth 2.0 token endpoint (RFC 6749 §4.3 and §4.4)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import parse_qsl, unquote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.gateway.api.deps import ClientAddress, GatewaySettings
from services.gateway.domain.errors import InvalidClient, InvalidRequest, UnsupportedGrantType
from services.gateway.schemas import TokenResponse
from services.gateway.usecases import sign_in
from services.gateway.usecases.sign_in import BASIC_CHALLENGE, ClientCredentialsGrant, PasswordGrant
from shared.openapi import problem, rules
from shared.uow import Db, UnitOfWorkRoute

router = APIRouter(tags=["authentication"], route_class=UnitOfWorkRoute)

FORM = "application/x-www-form-urlencoded"
NOT_CACHED = {"Cache-Control": "no-store", "Pragma": "no-cache"}

TOKEN_REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["grant_type"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["password", "client_credentials"]},
        "username": {"type": "string", "description": "password grant: the staff email"},
        "password": {"type": "string", "description": "password grant"},
        "client_id": {
            "type": "string",
            "description": "client_credentials grant (or HTTP Basic authentication)",
        },
        "client_secret": {
            "type": "string",
            "description": "client_credentials grant (or HTTP Basic authentication)",
        },
        "scope": {"type": "string", "description": "Ignored: a token carries the account's roles"},
    },
}


async def read_form(request: Request) -> dict[str, str]:
    """The url-encoded body; each parameter at most once (RFC 6749 §3.2)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        raise InvalidRequest(f"Send the token request as {FORM}.")
    body = await request.body()
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequest("The request body is not a valid url-encoded form.") from exc
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise InvalidRequest(f"The parameter {name} appears more than once.")
        form[name] = value
    return form


def basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidClient(
            "The Basic credentials are not valid base64.",
            headers=BASIC_CHALLENGE,
        ) from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise InvalidClient(
            "The Basic credentials need client_id:client_secret.",
            headers=BASIC_CHALLENGE,
        )
    # RFC 6749 §2.3.1: both parts are form-url-encoded before base64.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


def required(form: dict[str, str], *names: str) -> list[str]:
    missing = [n for n in names if not form.get(n)]
    if missing:
        raise InvalidRequest(f"Missing parameter: {', '.join(missing)}.", missing=missing)
    return [form[n] for n in names]


async def token_grant(
    request: Request, address: ClientAddress
) -> PasswordGrant | ClientCredentialsGrant:
    """The grant a token request makes, read from its form (and Basic credentials)."""
    form = await read_form(request)
    grant = form.get("grant_type")
    if not grant:
        raise InvalidRequest("Missing parameter: grant_type.", missing=["grant_type"])
    if grant == "password":
        username, password = required(form, "username", "password")
        return PasswordGrant(username, password, address)
    if grant == "client_credentials":
        basic = basic_credentials(request)
        if basic is not None and ("client_id" in form or "client_secret" in form):
            raise InvalidRequest("Authenticate the client one way: Basic or form, not both.")
        client_id, secret = basic or required(form, "client_id", "client_secret")
        return ClientCredentialsGrant(client_id, secret, address, basic=basic is not None)
    raise UnsupportedGrantType(
        f"grant_type {grant!r} is not supported; use password or client_credentials."
    )


Grant = Annotated[PasswordGrant | ClientCredentialsGrant, Depends(token_grant)]


@router.post(
    "/auth/token",
    summary="Issue a short-lived bearer token (staff password or client credentials)",
    description=(
        "OAuth 2.0 token endpoint. `grant_type=password` with `username` (the staff email) and "
        "`password`; `grant_type=client_credentials` with `client_id` and `client_secret` in the "
        "form or as HTTP Basic authentication. Errors carry the RFC 6749 `error` code inside "
        "problem+json. After repeated failures for an account from one address (or, from an "
        "address it has not signed in from, from many addresses) attempts wait, with 429 and "
        "`Retry-After`: exponential backoff, capped."
    ),
    response_model=TokenResponse,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {FORM: {"schema": TOKEN_REQUEST_SCHEMA}},
        }
    },
    responses={
        400: rules(
            "invalid_request, invalid_grant or unsupported_grant_type",
            "grant_type=password needs a username and a password",
            "grant_type=client_credentials needs client_id and client_secret, in the form or as "
            "HTTP Basic authentication (one way, not both)",
            "Each parameter at most once",
        ),
        401: problem("invalid_client"),
        429: problem("Too many failed attempts; see Retry-After"),
    },
)
async def token(grant: Grant, db: Db, settings: GatewaySettings) -> JSONResponse:
    issued = await sign_in.token_for(db, settings, grant)
    answer = TokenResponse(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        scope=" ".join(issued.roles),
    )
    return JSONResponse(answer.model_dump(), headers=NOT_CACHED)
