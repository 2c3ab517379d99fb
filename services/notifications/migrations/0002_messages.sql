-- Notifications proper: contact replicas, the message log (which is also the schedule), send
-- attempts and each network's template overrides. The walking skeleton's table goes.
DROP TABLE IF EXISTS skeleton_session_completions;

-- Patient contact data and messaging preferences, from records' patient events or the API.
-- `as_of` is the time of the fact that wrote the row: an older fact never overwrites a newer one.
CREATE TABLE patients (
    network_id          uuid        NOT NULL,
    patient_id          uuid        NOT NULL,
    given_name          text        NOT NULL,
    family_name         text        NOT NULL,
    email               text,
    phone               text,
    preferred_channel   text        NOT NULL DEFAULT 'email',
    channel_opt_outs    text[]      NOT NULL DEFAULT '{}',
    marketing_consent   boolean     NOT NULL DEFAULT false,
    locale              text        NOT NULL DEFAULT 'en',
    timezone            text        NOT NULL DEFAULT 'UTC',
    quiet_hours_start   time,
    quiet_hours_end     time,
    as_of               timestamptz NOT NULL,
    PRIMARY KEY (network_id, patient_id)
);

-- Clinics and practitioners as booking's appointment events describe them (for staff alerts).
CREATE TABLE clinics (
    network_id  uuid        NOT NULL,
    clinic_id   uuid        NOT NULL,
    name        text        NOT NULL,
    timezone    text        NOT NULL,
    phone       text,
    email       text,
    as_of       timestamptz NOT NULL,
    PRIMARY KEY (network_id, clinic_id)
);

CREATE TABLE practitioners (
    network_id       uuid        NOT NULL,
    practitioner_id  uuid        NOT NULL,
    name             text        NOT NULL,
    email            text,
    phone            text,
    as_of            timestamptz NOT NULL,
    PRIMARY KEY (network_id, practitioner_id)
);

-- The appointments notifications has heard of: who, where, when, and whether still on.
CREATE TABLE appointments (
    network_id       uuid        NOT NULL,
    appointment_id   uuid        NOT NULL,
    patient_id       uuid        NOT NULL,
    clinic_id        uuid        NOT NULL,
    practitioner_id  uuid        NOT NULL,
    treatment_name   text        NOT NULL,
    starts_at        timestamptz NOT NULL,
    status           text        NOT NULL,
    as_of            timestamptz NOT NULL,
    PRIMARY KEY (network_id, appointment_id)
);

-- One row per (event, kind, recipient): the unique key is what makes a message exactly-once.
-- status: scheduled -> sending -> sent | scheduled (retry) | failed; or skipped / withdrawn.
CREATE TABLE messages (
    id                 uuid        PRIMARY KEY,
    network_id         uuid        NOT NULL,
    event_id           uuid        NOT NULL,
    event_type         text        NOT NULL,
    kind               text        NOT NULL,
    recipient_type     text        NOT NULL CHECK (recipient_type IN ('patient', 'practitioner', 'clinic')),
    recipient_id       uuid        NOT NULL,
    patient_id         uuid,
    appointment_id     uuid,
    clinic_id          uuid,
    facts              jsonb       NOT NULL,
    due_at             timestamptz NOT NULL,
    send_at            timestamptz NOT NULL,
    status             text        NOT NULL CHECK (status IN
                           ('scheduled', 'sending', 'sent', 'failed', 'skipped', 'withdrawn')),
    status_reason      text,
    channel            text,
    address            text,
    locale             text,
    subject            text,
    body               text,
    sms                text,
    attempts           int         NOT NULL DEFAULT 0,
    trace_id           text,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    sending_since      timestamptz,
    sent_at            timestamptz,
    CONSTRAINT messages_once UNIQUE (event_id, kind, recipient_type, recipient_id)
);
CREATE INDEX messages_due ON messages (send_at) WHERE status = 'scheduled';
CREATE INDEX messages_in_flight ON messages (sending_since) WHERE status = 'sending';
CREATE INDEX messages_log ON messages (network_id, created_at DESC, id DESC);
CREATE INDEX messages_patient ON messages (network_id, patient_id);
CREATE INDEX messages_appointment ON messages (network_id, appointment_id);

CREATE TABLE message_attempts (
    message_id   uuid        NOT NULL REFERENCES messages (id),
    number       int         NOT NULL,
    channel      text        NOT NULL,
    address      text        NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    outcome      text        CHECK (outcome IN ('sent', 'temporary_failure', 'permanent_failure',
                                                'outcome_unknown')),
    detail       text,
    PRIMARY KEY (message_id, number)
);

-- A network's own wording of one part of one kind in one locale.
CREATE TABLE template_overrides (
    network_id  uuid        NOT NULL,
    kind        text        NOT NULL,
    locale      text        NOT NULL,
    part        text        NOT NULL,
    source      text        NOT NULL,
    updated_at  timestamptz NOT NULL,
    updated_by  text        NOT NULL,
    PRIMARY KEY (network_id, kind, locale, part)
);

-- The network's name and signature in every message.
CREATE TABLE branding (
    network_id    uuid        PRIMARY KEY,
    network_name  text        NOT NULL,
    signature     text,
    updated_at    timestamptz NOT NULL,
    updated_by    text        NOT NULL
);
