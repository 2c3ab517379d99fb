-- The patient's Fitzpatrick skin type and nothing else of the safety profile (least privilege):
-- the aftercare names the risk of pigmentation changes only to skin types IV-VI. Kept from
-- records' PatientSafetyProfileChanged; the highest profile version wins. Its own table, since
-- the profile may arrive before the patient's contact data does.
CREATE TABLE patient_skin_types (
    network_id             uuid     NOT NULL,
    patient_id             uuid     NOT NULL,
    fitzpatrick_skin_type  smallint CHECK (fitzpatrick_skin_type BETWEEN 1 AND 6),
    profile_version        int      NOT NULL,
    PRIMARY KEY (network_id, patient_id)
);

-- Which treatment an appointment is for and whether it is a consultation, treatment or
-- follow-up: a reminder to book the next session is withdrawn when that session is booked.
-- Empty for appointments remembered before this migration.
ALTER TABLE appointments ADD COLUMN treatment_type_id uuid, ADD COLUMN kind text;
CREATE INDEX appointments_patient_treatment
    ON appointments (network_id, patient_id, treatment_type_id, starts_at);
