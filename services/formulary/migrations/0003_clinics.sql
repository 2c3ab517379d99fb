-- The network's clinics, as booking announces them (ClinicOpened, ClinicChanged on
-- booking.clinics.v1): a clinic's approved list exists only for a clinic known here. The newest
-- state of each clinic is kept (changed_at); an older one arriving late changes nothing.
CREATE TABLE clinics (
    network_id  uuid        NOT NULL,
    clinic_id   uuid        NOT NULL,
    name        text        NOT NULL,
    timezone    text        NOT NULL,
    currency    text        NOT NULL,
    changed_at  timestamptz NOT NULL,
    event_id    uuid        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, clinic_id)
);
