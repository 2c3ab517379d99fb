CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Walking skeleton: a completed session recorded with its SessionCompleted event in one
-- transaction. Replaced by the appointments schema.
CREATE TABLE skeleton_sessions (
    id              uuid PRIMARY KEY,
    network_id      uuid        NOT NULL,
    patient_id      uuid        NOT NULL,
    clinic_id       uuid        NOT NULL,
    practitioner_id uuid        NOT NULL,
    areas           text[]      NOT NULL,
    completed_at    timestamptz NOT NULL,
    completed_by    text        NOT NULL
);
CREATE INDEX skeleton_sessions_network ON skeleton_sessions (network_id, id);
