-- Booking: clinics, rooms, practitioners, hours, time off, treatment types, prices, plans,
-- the patient-id replica and appointments. Every row carries network_id (tenancy).

CREATE TABLE clinics (
    id                uuid PRIMARY KEY,
    network_id        uuid        NOT NULL,
    name              text        NOT NULL,
    address           text        NOT NULL,
    timezone          text        NOT NULL,
    currency          text        NOT NULL,
    slot_grid_minutes integer     NOT NULL,
    phone             text,
    email             text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clinics_network ON clinics (network_id, name, id);

CREATE TABLE rooms (
    id         uuid PRIMARY KEY,
    network_id uuid NOT NULL,
    clinic_id  uuid NOT NULL REFERENCES clinics (id),
    name       text NOT NULL,
    UNIQUE (clinic_id, name)
);
CREATE INDEX rooms_network ON rooms (network_id, clinic_id, name);

CREATE TABLE practitioners (
    id                 uuid PRIMARY KEY,
    network_id         uuid        NOT NULL,
    name               text        NOT NULL,
    email              text,
    phone              text,
    licence_number     text        NOT NULL,
    licence_expires_on date        NOT NULL,
    indications        text[]      NOT NULL,
    experience_tier    text        NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX practitioners_network ON practitioners (network_id, name, id);

CREATE TABLE practitioner_clinics (
    practitioner_id uuid NOT NULL REFERENCES practitioners (id),
    clinic_id       uuid NOT NULL REFERENCES clinics (id),
    PRIMARY KEY (practitioner_id, clinic_id)
);
CREATE INDEX practitioner_clinics_clinic ON practitioner_clinics (clinic_id);

-- Weekly wall-clock hours in the clinic's timezone; replaced as a whole per practitioner+clinic.
CREATE TABLE working_hours (
    practitioner_id uuid     NOT NULL REFERENCES practitioners (id),
    clinic_id       uuid     NOT NULL REFERENCES clinics (id),
    weekday         smallint NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    starts          time     NOT NULL,
    ends            time     NOT NULL CHECK (ends > starts)
);
CREATE INDEX working_hours_clinic ON working_hours (clinic_id, practitioner_id);

CREATE TABLE time_off (
    id              uuid PRIMARY KEY,
    network_id      uuid        NOT NULL,
    practitioner_id uuid        NOT NULL REFERENCES practitioners (id),
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL CHECK (ends_at > starts_at),
    reason          text
);
CREATE INDEX time_off_practitioner ON time_off (practitioner_id, starts_at);

CREATE TABLE treatment_types (
    id               uuid PRIMARY KEY,
    network_id       uuid    NOT NULL,
    name             text    NOT NULL,
    kind             text    NOT NULL,
    indication       text    NOT NULL,
    areas            text[]  NOT NULL,
    duration_minutes integer NOT NULL,
    buffer_minutes   integer NOT NULL
);
CREATE INDEX treatment_types_network ON treatment_types (network_id, name, id);

CREATE TABLE prices (
    id                uuid PRIMARY KEY,
    network_id        uuid   NOT NULL,
    clinic_id         uuid   NOT NULL REFERENCES clinics (id),
    treatment_type_id uuid   NOT NULL REFERENCES treatment_types (id),
    tier              text,
    amount_minor      bigint NOT NULL CHECK (amount_minor > 0),
    currency          text   NOT NULL
);
CREATE UNIQUE INDEX prices_one_per_tier
    ON prices (clinic_id, treatment_type_id, coalesce(tier, ''));

-- Patient ids known to exist, from PatientRegistered (or a successful check against records).
CREATE TABLE patients (
    network_id uuid        NOT NULL,
    patient_id uuid        NOT NULL,
    source     text        NOT NULL,
    known_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, patient_id)
);

CREATE TABLE treatment_plans (
    id                        uuid PRIMARY KEY,
    network_id                uuid        NOT NULL,
    patient_id                uuid        NOT NULL,
    indication                text        NOT NULL,
    treatment_type_id         uuid        NOT NULL REFERENCES treatment_types (id),
    clinic_id                 uuid        REFERENCES clinics (id),
    sessions_planned          integer     NOT NULL,
    interval_days             integer     NOT NULL,
    maintenance_interval_days integer,
    created_at                timestamptz NOT NULL DEFAULT now(),
    created_by                text        NOT NULL
);
CREATE INDEX treatment_plans_patient ON treatment_plans (network_id, patient_id, created_at);

-- An appointment occupies its practitioner and its room over [starts_at, occupied_until):
-- the treatment plus the cleaning buffer. The exclusion constraints make double booking
-- impossible whatever the application does, over the statuses that occupy the calendar
-- (domain.ACTIVE_STATUSES).
CREATE TABLE appointments (
    id                uuid PRIMARY KEY,
    network_id        uuid        NOT NULL,
    clinic_id         uuid        NOT NULL REFERENCES clinics (id),
    room_id           uuid        NOT NULL REFERENCES rooms (id),
    practitioner_id   uuid        NOT NULL REFERENCES practitioners (id),
    patient_id        uuid        NOT NULL,
    treatment_type_id uuid        NOT NULL REFERENCES treatment_types (id),
    treatment_plan_id uuid        REFERENCES treatment_plans (id),
    kind              text        NOT NULL,
    indication        text        NOT NULL,
    status            text        NOT NULL,
    starts_at         timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL,
    occupied_until    timestamptz NOT NULL,
    price_minor       bigint,
    currency          text,
    notes             text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    created_by        text        NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    checked_in_at     timestamptz,
    started_at        timestamptz,
    started_by        text,
    cross_check       jsonb,
    acknowledgement   jsonb,
    completed_at      timestamptz,
    completed_by      text,
    completion        jsonb,
    cancelled_at      timestamptz,
    cancelled_by      text,
    cancel_reason     text,
    CHECK (ends_at > starts_at),
    CHECK (occupied_until >= ends_at),
    CONSTRAINT appointments_practitioner_free EXCLUDE USING gist (
        practitioner_id WITH =, tstzrange(starts_at, occupied_until) WITH &&
    ) WHERE (status IN ('booked', 'checked_in', 'in_progress', 'completed')),
    CONSTRAINT appointments_room_free EXCLUDE USING gist (
        room_id WITH =, tstzrange(starts_at, occupied_until) WITH &&
    ) WHERE (status IN ('booked', 'checked_in', 'in_progress', 'completed'))
);
CREATE INDEX appointments_clinic_day ON appointments (clinic_id, starts_at, id);
CREATE INDEX appointments_practitioner_time ON appointments (practitioner_id, starts_at, id);
CREATE INDEX appointments_room_time ON appointments (room_id, starts_at);
CREATE INDEX appointments_patient ON appointments (network_id, patient_id, starts_at, id);
CREATE INDEX appointments_plan ON appointments (treatment_plan_id) WHERE treatment_plan_id IS NOT NULL;
