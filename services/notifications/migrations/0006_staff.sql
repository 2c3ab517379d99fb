-- Staff accounts as the gateway announces them (StaffAccountChanged on gateway.staff.v1), so
-- alerts can reach a network's admins. Only what reaching them needs: the email, the name to
-- greet, the roles and whether the account is active (no clinics, no sign-in data). `as_of` is
-- the time of the fact that wrote the row: an older fact never overwrites a newer one. Row-level
-- security comes with the network_id column (shared/db.py, enforce_row_security).
CREATE TABLE staff (
    network_id    uuid        NOT NULL,
    staff_id      uuid        NOT NULL,
    email         text        NOT NULL,
    display_name  text        NOT NULL,
    roles         text[]      NOT NULL,
    active        boolean     NOT NULL,
    as_of         timestamptz NOT NULL,
    PRIMARY KEY (network_id, staff_id)
);
CREATE INDEX staff_active_admins ON staff (network_id)
    WHERE active AND 'network_admin' = ANY (roles);

-- A message may go to one staff account (an alert to the network's admins).
ALTER TABLE messages DROP CONSTRAINT messages_recipient_type_check,
    ADD CONSTRAINT messages_recipient_type_check
        CHECK (recipient_type IN ('patient', 'practitioner', 'clinic', 'staff'));
