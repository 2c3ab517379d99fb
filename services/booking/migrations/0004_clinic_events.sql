-- Clinics are announced on booking.clinics.v1 (ClinicOpened when created, ClinicChanged when
-- what the event carries changes), so formulary knows which clinics are a network's. Clinics
-- created before this migration are announced once here, through the outbox like any event,
-- as they are now, changed_at = when they were created (any later change supersedes it).
INSERT INTO outbox (event_id, topic, key, type, source, occurred_at, payload)
SELECT gen_random_uuid(),
       'booking.clinics.v1',
       c.id::text,
       'mesocare.booking.ClinicOpened.v1',
       'mesocare/booking',
       now(),
       jsonb_build_object(
           'network_id', c.network_id,
           'clinic_id', c.id,
           'name', c.name,
           'timezone', c.timezone,
           'currency', c.currency,
           'changed_at', c.created_at
       )
  FROM clinics c
 ORDER BY c.created_at, c.id;
