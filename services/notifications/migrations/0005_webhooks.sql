-- Outgoing webhooks: the endpoints a network registers, a delivery per (endpoint, event) and
-- every attempt at it. Row-level security keeps each network to its own rows, as everywhere.

CREATE TABLE webhook_endpoints (
    id                     uuid        PRIMARY KEY,
    network_id             uuid        NOT NULL,
    url                    text        NOT NULL,
    event_types            text[]      NOT NULL CHECK (cardinality(event_types) > 0),
    description            text,
    status                 text        NOT NULL CHECK (status IN ('enabled', 'disabled')),
    disabled_reason        text,
    disabled_at            timestamptz,
    -- The signing secret must be read to sign, so it is kept as issued (a hash would not do);
    -- the previous one signs beside it until `previous_secret_until` after a rotation.
    secret                 text        NOT NULL,
    previous_secret        text,
    previous_secret_until  timestamptz,
    -- Set by the first failed attempt after a success; 24 h of failures disable the endpoint.
    failing_since          timestamptz,
    created_at             timestamptz NOT NULL,
    created_by             text        NOT NULL,
    updated_at             timestamptz NOT NULL
);
CREATE INDEX webhook_endpoints_by_network ON webhook_endpoints (network_id, created_at, id);

-- One row per (endpoint, event). `seq` orders one aggregate's events (`ordering_key`, the
-- event's subject) for an endpoint: a delivery waits while an earlier one of its aggregate is
-- pending. `body` is the exact text every attempt sends. A delivery being sent holds a lease
-- (`leased_until`); a sender that stopped mid-send leaves it to be sent again (at least once).
CREATE TABLE webhook_deliveries (
    id               uuid        PRIMARY KEY,
    network_id       uuid        NOT NULL,
    endpoint_id      uuid        NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    seq              bigint      GENERATED ALWAYS AS IDENTITY,
    event_id         uuid        NOT NULL,
    event_type       text        NOT NULL,
    ordering_key     text        NOT NULL,
    body             text        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         int         NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    leased_until     timestamptz,
    first_failed_at  timestamptz,
    created_at       timestamptz NOT NULL,
    finished_at      timestamptz,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due
    ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_in_order
    ON webhook_deliveries (endpoint_id, ordering_key, seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint
    ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);

CREATE TABLE webhook_attempts (
    id            uuid        PRIMARY KEY,
    network_id    uuid        NOT NULL,
    delivery_id   uuid        NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at  timestamptz NOT NULL,
    status_code   int,
    duration_ms   int         NOT NULL,
    error         text
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, attempted_at);
