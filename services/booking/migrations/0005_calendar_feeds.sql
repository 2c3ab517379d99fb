-- Calendar feeds: secret, revocable text/calendar URLs of a practitioner's or a clinic's
-- appointments, read by calendar apps without a token. Only the SHA-256 of a feed's secret is
-- kept, so whoever reads this table cannot use the URLs; a revoked feed keeps its row (who made
-- and who revoked it, and when) and answers 404.
CREATE TABLE calendar_feeds (
    id              uuid PRIMARY KEY,
    network_id      uuid        NOT NULL,
    practitioner_id uuid        REFERENCES practitioners (id),
    clinic_id       uuid        REFERENCES clinics (id),
    secret_sha256   text        NOT NULL UNIQUE,
    label           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text        NOT NULL,
    revoked_at      timestamptz,
    revoked_by      text,
    CHECK ((practitioner_id IS NULL) <> (clinic_id IS NULL))
);
CREATE INDEX calendar_feeds_practitioner ON calendar_feeds (practitioner_id, created_at)
    WHERE practitioner_id IS NOT NULL AND revoked_at IS NULL;
CREATE INDEX calendar_feeds_clinic ON calendar_feeds (clinic_id, created_at)
    WHERE clinic_id IS NOT NULL AND revoked_at IS NULL;

-- A network's own choices in booking; a network without a row has the defaults.
-- show_patient_names: calendar feeds name patients in full, not by their initials.
CREATE TABLE network_settings (
    network_id         uuid PRIMARY KEY,
    show_patient_names boolean     NOT NULL DEFAULT false,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    updated_by         text        NOT NULL
);

-- What a feed says of a patient: their name, from PatientRegistered and PatientContactChanged
-- (patients known before this migration, or only through a check with records, have none yet).
ALTER TABLE patients ADD COLUMN given_name text;
ALTER TABLE patients ADD COLUMN family_name text;

-- How many times an appointment's time, place or status was revised in a way a calendar must
-- take over (a reschedule, a cancellation): the feed's SEQUENCE (RFC 5545 §3.8.7.4).
ALTER TABLE appointments ADD COLUMN revision integer NOT NULL DEFAULT 0;
