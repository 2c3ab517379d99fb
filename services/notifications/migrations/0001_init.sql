-- Walking skeleton: what notifications saw of each SessionCompleted, with the trace it ran in.
CREATE TABLE skeleton_session_completions (
    event_id        uuid PRIMARY KEY,
    network_id      uuid        NOT NULL,
    appointment_id  uuid        NOT NULL,
    patient_id      uuid        NOT NULL,
    areas           text[]      NOT NULL,
    trace_id        text,
    received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX skeleton_session_completions_appointment
    ON skeleton_session_completions (network_id, appointment_id);
