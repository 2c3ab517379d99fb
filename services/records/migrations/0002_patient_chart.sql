-- The patient chart: patients, consents, safety profile (with every version kept), medical
-- history, treatment history, adverse events and the append-only audit log.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE patients (
    id                    uuid        PRIMARY KEY,
    network_id            uuid        NOT NULL,
    given_name            text        NOT NULL,
    family_name           text        NOT NULL,
    date_of_birth         date,
    email                 text,
    phone                 text,
    preferred_channel     text        NOT NULL CHECK (preferred_channel IN ('email', 'sms')),
    channel_opt_outs      text[]      NOT NULL DEFAULT '{}',
    locale                text        NOT NULL,
    timezone              text        NOT NULL,
    quiet_hours_start     time,
    quiet_hours_end       time,
    clinics_visited       uuid[]      NOT NULL DEFAULT '{}',
    version               int         NOT NULL DEFAULT 1,
    created_at            timestamptz NOT NULL,
    created_by            text        NOT NULL,
    updated_at            timestamptz NOT NULL,
    updated_by            text        NOT NULL,
    CHECK ((quiet_hours_start IS NULL) = (quiet_hours_end IS NULL))
);

-- Duplicate detection: one email and one phone per network, whatever the letter case, so two
-- concurrent registrations of the same person cannot both win.
CREATE UNIQUE INDEX patients_email_per_network ON patients (network_id, lower(email))
    WHERE email IS NOT NULL;
CREATE UNIQUE INDEX patients_phone_per_network ON patients (network_id, phone)
    WHERE phone IS NOT NULL;

-- Partial, case-insensitive search by name, email and phone (trigram GIN: ILIKE '%…%').
CREATE INDEX patients_name_trgm ON patients
    USING gin ((lower(given_name || ' ' || family_name)) gin_trgm_ops);
CREATE INDEX patients_email_trgm ON patients USING gin ((lower(email)) gin_trgm_ops);
CREATE INDEX patients_phone_trgm ON patients USING gin (phone gin_trgm_ops);
CREATE INDEX patients_by_name ON patients (network_id, family_name, given_name, id);

-- Consents: one row per grant or withdrawal, never updated or deleted.
CREATE TABLE consents (
    id               uuid        PRIMARY KEY,
    network_id       uuid        NOT NULL,
    patient_id       uuid        NOT NULL REFERENCES patients (id),
    kind             text        NOT NULL CHECK (kind IN ('treatment', 'photos', 'marketing')),
    granted          boolean     NOT NULL,
    wording_version  text        NOT NULL,
    recorded_at      timestamptz NOT NULL,
    recorded_by      text        NOT NULL,
    seq              bigserial
);
CREATE INDEX consents_of_patient ON consents (network_id, patient_id, kind, seq);

-- The current safety profile, compare-and-set on `version`; every version is kept below.
CREATE TABLE safety_profiles (
    patient_id             uuid        PRIMARY KEY REFERENCES patients (id),
    network_id             uuid        NOT NULL,
    version                int         NOT NULL,
    fitzpatrick_skin_type  smallint    CHECK (fitzpatrick_skin_type BETWEEN 1 AND 6),
    allergies              jsonb       NOT NULL DEFAULT '[]',
    conditions             jsonb       NOT NULL DEFAULT '[]',
    medications            jsonb       NOT NULL DEFAULT '[]',
    updated_at             timestamptz NOT NULL,
    updated_by             text        NOT NULL
);

CREATE TABLE safety_profile_versions (
    patient_id             uuid        NOT NULL REFERENCES patients (id),
    network_id             uuid        NOT NULL,
    version                int         NOT NULL,
    fitzpatrick_skin_type  smallint,
    allergies              jsonb       NOT NULL,
    conditions             jsonb       NOT NULL,
    medications            jsonb       NOT NULL,
    recorded_at            timestamptz NOT NULL,
    recorded_by            text        NOT NULL,
    PRIMARY KEY (patient_id, version)
);

-- Medical history and treatment goals from the consultation, same versioning.
CREATE TABLE medical_histories (
    patient_id        uuid        PRIMARY KEY REFERENCES patients (id),
    network_id        uuid        NOT NULL,
    version           int         NOT NULL,
    medical_history   text        NOT NULL DEFAULT '',
    treatment_goals   text        NOT NULL DEFAULT '',
    indications       text[]      NOT NULL DEFAULT '{}',
    areas             text[]      NOT NULL DEFAULT '{}',
    consultation_appointment_id uuid,
    updated_at        timestamptz NOT NULL,
    updated_by        text        NOT NULL
);

CREATE TABLE medical_history_versions (
    patient_id        uuid        NOT NULL REFERENCES patients (id),
    network_id        uuid        NOT NULL,
    version           int         NOT NULL,
    medical_history   text        NOT NULL,
    treatment_goals   text        NOT NULL,
    indications       text[]      NOT NULL,
    areas             text[]      NOT NULL,
    consultation_appointment_id uuid,
    recorded_at       timestamptz NOT NULL,
    recorded_by       text        NOT NULL,
    PRIMARY KEY (patient_id, version)
);

-- Treatment history from SessionCompleted; no foreign key to patients, because the event is a
-- fact booking already committed and must not be refused here.
CREATE TABLE treatments (
    id                  uuid        PRIMARY KEY,
    network_id          uuid        NOT NULL,
    patient_id          uuid        NOT NULL,
    appointment_id      uuid        NOT NULL,
    event_id            uuid        NOT NULL,
    clinic_id           uuid        NOT NULL,
    clinic_name         text        NOT NULL,
    practitioner_id     uuid        NOT NULL,
    practitioner_name   text        NOT NULL,
    treatment_name      text        NOT NULL,
    kind                text        NOT NULL,
    indication          text        NOT NULL,
    areas               text[]      NOT NULL,
    blend_id            uuid,
    blend_version       int,
    blend_name          text,
    ingredients         jsonb       NOT NULL,
    technique           text,
    depth_mm            numeric,
    injection_count     int,
    disinfection        text        NOT NULL,
    numbing_cream       boolean     NOT NULL,
    numbing_product     text,
    immediate_reactions text[]      NOT NULL,
    notes               text,
    started_at          timestamptz NOT NULL,
    completed_at        timestamptz NOT NULL,
    completed_by        text        NOT NULL,
    next_session_due    date,
    maintenance_due     date,
    UNIQUE (network_id, appointment_id)
);
CREATE INDEX treatments_of_patient ON treatments (network_id, patient_id, completed_at DESC, id);

CREATE TABLE adverse_events (
    id               uuid        PRIMARY KEY,
    network_id       uuid        NOT NULL,
    patient_id       uuid        NOT NULL REFERENCES patients (id),
    kind             text        NOT NULL,
    severity         text        NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe')),
    onset_at         timestamptz NOT NULL,
    description      text        NOT NULL,
    appointment_id   uuid,
    clinic_id        uuid,
    practitioner_id  uuid,
    lot_numbers      text[]      NOT NULL DEFAULT '{}',
    reported_at      timestamptz NOT NULL,
    reported_by      text        NOT NULL
);
CREATE INDEX adverse_events_of_patient ON adverse_events
    (network_id, patient_id, reported_at DESC, id);

-- Every read and write of a chart. Append-only: the trigger refuses UPDATE, DELETE and
-- TRUNCATE for every role, the table owner included (REVOKE alone would not stop the owner).
CREATE TABLE audit_log (
    id            bigserial   PRIMARY KEY,
    network_id    uuid        NOT NULL,
    patient_id    uuid,
    actor_sub     text        NOT NULL,
    actor_roles   text[]      NOT NULL,
    action        text        NOT NULL,
    fields        text[]      NOT NULL DEFAULT '{}',
    outcome       text        NOT NULL,
    request_id    text,
    detail        text,
    at            timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX audit_log_of_patient ON audit_log (network_id, patient_id, id);
CREATE INDEX audit_log_of_network ON audit_log (network_id, id);

CREATE FUNCTION refuse_rewriting_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_rewriting_history();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_rewriting_history();

-- Consents are history too.
CREATE TRIGGER consents_no_update_or_delete BEFORE UPDATE OR DELETE ON consents
    FOR EACH ROW EXECUTE FUNCTION refuse_rewriting_history();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, consents FROM PUBLIC;
