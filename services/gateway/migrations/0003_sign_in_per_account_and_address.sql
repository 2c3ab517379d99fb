-- The sign-in throttle counts per account and per (account, address) (docs/gateway.md,
-- "Throttle"), never per address alone. A failure stays one row whose `subject` is the account
-- (`user:<email>` or `client:<client_id>`), now with the address it came from; the rows of the
-- old per-address count (`address:<ip>`) no longer count. Replicas of the previous version keep
-- working during a rolling update: they write and read `subject` as before.
ALTER TABLE login_failures ADD COLUMN address text;
DELETE FROM login_failures WHERE subject LIKE 'address:%';
CREATE INDEX login_failures_age ON login_failures (failed_at);

-- Where each account signed in lately: an attempt from one of these addresses is held only to
-- its own (account, address) limit while the account is attacked from elsewhere.
CREATE TABLE login_addresses (
    subject      text NOT NULL,
    address      text NOT NULL,
    signed_in_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, address)
);
