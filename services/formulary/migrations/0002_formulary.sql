-- The formulary's catalog (per network), lots and recalls, the lot ledger built from
-- SessionCompleted, and the replica of patient safety profiles built from
-- PatientSafetyProfileChanged. Every row carries network_id; every query filters by it.

CREATE TABLE allergen_classes (
    network_id        uuid        NOT NULL,
    code              text        NOT NULL,
    name              text        NOT NULL,
    -- {"other_class_code": "probable" | "possible"}; read in both directions by the engine.
    cross_reacts_with jsonb       NOT NULL DEFAULT '{}'::jsonb,
    demo              boolean     NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, code)
);

CREATE TABLE ingredients (
    network_id                 uuid        NOT NULL,
    code                       text        NOT NULL,
    name                       text        NOT NULL,
    category                   text        NOT NULL,
    allergen_classes           text[]      NOT NULL DEFAULT '{}',
    max_amount_per_session     numeric     NOT NULL CHECK (max_amount_per_session > 0),
    unit                       text        NOT NULL,
    contraindicated_conditions text[]      NOT NULL DEFAULT '{}',
    pigmentation_risk          boolean     NOT NULL DEFAULT false,
    status                     text        NOT NULL DEFAULT 'approved'
                               CHECK (status IN ('approved', 'withdrawn')),
    demo                       boolean     NOT NULL DEFAULT false,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, code)
);

-- The network's approved list.
CREATE TABLE approved_ingredients (
    network_id      uuid NOT NULL,
    ingredient_code text NOT NULL,
    PRIMARY KEY (network_id, ingredient_code),
    FOREIGN KEY (network_id, ingredient_code) REFERENCES ingredients (network_id, code)
);

-- A clinic that has a row here narrows the network's list to these codes; no row: the network's.
CREATE TABLE clinic_approved_lists (
    network_id       uuid        NOT NULL,
    clinic_id        uuid        NOT NULL,
    ingredient_codes text[]      NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    updated_by       text        NOT NULL,
    PRIMARY KEY (network_id, clinic_id)
);

CREATE TABLE blends (
    id              uuid        PRIMARY KEY,
    network_id      uuid        NOT NULL,
    current_version int         NOT NULL,
    demo            boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX blends_by_network ON blends (network_id, id);

-- Versions are never changed: editing a blend adds a version; sessions keep (id, version).
CREATE TABLE blend_versions (
    blend_id   uuid        NOT NULL REFERENCES blends (id),
    version    int         NOT NULL CHECK (version >= 1),
    network_id uuid        NOT NULL,
    name       text        NOT NULL,
    indication text        NOT NULL,
    areas      text[]      NOT NULL,
    -- [{"ingredient_code": "...", "amount": "10.5"}]: amounts as strings, exact decimals.
    components jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text        NOT NULL,
    PRIMARY KEY (blend_id, version)
);

CREATE TABLE lots (
    id                uuid        PRIMARY KEY,
    network_id        uuid        NOT NULL,
    ingredient_code   text        NOT NULL,
    supplier          text        NOT NULL,
    lot_number        text        NOT NULL,
    expires_on        date        NOT NULL,
    status            text        NOT NULL DEFAULT 'active'
                      CHECK (status IN ('active', 'recalled')),
    demo              boolean     NOT NULL DEFAULT false,
    received_at       timestamptz NOT NULL DEFAULT now(),
    received_by       text        NOT NULL,
    recalled_at       timestamptz,
    recalled_by       text,
    recall_reason     text,
    exposed_patients  int,
    -- Sessions and cross-checks name a lot by its number: one number per network.
    UNIQUE (network_id, lot_number),
    FOREIGN KEY (network_id, ingredient_code) REFERENCES ingredients (network_id, code),
    CHECK ((status = 'recalled') = (recalled_at IS NOT NULL))
);
CREATE INDEX lots_by_network ON lots (network_id, lot_number);

-- The lot ledger: who received which lot when, from SessionCompleted. Keyed by lot number,
-- since a session may name a lot formulary has not been told about; one row per
-- (session, lot, ingredient), so a redelivered event cannot add a second one.
CREATE TABLE lot_exposures (
    id               bigserial   PRIMARY KEY,
    network_id       uuid        NOT NULL,
    lot_number       text        NOT NULL,
    ingredient_code  text        NOT NULL,
    ingredient_name  text        NOT NULL,
    amount           numeric     NOT NULL,
    unit             text        NOT NULL,
    patient_id       uuid        NOT NULL,
    appointment_id   uuid        NOT NULL,
    clinic_id        uuid        NOT NULL,
    practitioner_id  uuid        NOT NULL,
    administered_at  timestamptz NOT NULL,
    event_id         uuid        NOT NULL,
    -- Set when RecalledLotExposure was written for this row: never twice.
    recall_notified_at timestamptz,
    UNIQUE (network_id, appointment_id, lot_number, ingredient_code)
);
CREATE INDEX lot_exposures_by_lot ON lot_exposures (network_id, lot_number, administered_at, id);

-- The replica of records' safety profiles: only the highest version is kept.
CREATE TABLE safety_profiles (
    network_id            uuid        NOT NULL,
    patient_id            uuid        NOT NULL,
    version               bigint      NOT NULL,
    fitzpatrick_skin_type int,
    allergies             jsonb       NOT NULL DEFAULT '[]'::jsonb,
    conditions            text[]      NOT NULL DEFAULT '{}',
    medications           jsonb       NOT NULL DEFAULT '[]'::jsonb,
    event_id              uuid        NOT NULL,
    received_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, patient_id)
);
