-- Staff accounts, integration clients, console sessions and the login throttle.

CREATE TABLE staff_accounts (
    id            uuid PRIMARY KEY,
    network_id    uuid NOT NULL,
    email         text NOT NULL,
    display_name  text NOT NULL,
    password_hash text NOT NULL,
    roles         text[] NOT NULL,
    clinic_ids    uuid[] NOT NULL DEFAULT '{}',
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT staff_roles_not_empty CHECK (cardinality(roles) > 0)
);
-- Staff sign in with their email alone, so an email names one account across all networks.
CREATE UNIQUE INDEX staff_accounts_email ON staff_accounts (lower(email));
CREATE INDEX staff_accounts_network ON staff_accounts (network_id, lower(email));

CREATE TABLE integration_clients (
    id           uuid PRIMARY KEY,
    network_id   uuid NOT NULL,
    client_id    text NOT NULL UNIQUE,
    name         text NOT NULL,
    secret_hash  text NOT NULL,
    roles        text[] NOT NULL,
    clinic_ids   uuid[] NOT NULL DEFAULT '{}',
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX integration_clients_network ON integration_clients (network_id, created_at);

-- One row per failed sign-in; `subject` is `user:<email>`, `client:<id>` or `address:<ip>`.
-- Kept in the database so the limit holds across gateway replicas.
CREATE TABLE login_failures (
    subject   text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_subject ON login_failures (subject, failed_at);

-- Console sessions: the cookie carries a random id; only its SHA-256 is stored.
CREATE TABLE console_sessions (
    id_hash     text PRIMARY KEY,
    staff_id    uuid NOT NULL REFERENCES staff_accounts (id) ON DELETE CASCADE,
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX console_sessions_staff ON console_sessions (staff_id);
