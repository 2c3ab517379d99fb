-- Staff accounts are announced on gateway.staff.v1 (StaffAccountChanged when one is created or
-- what the event carries changes), so notifications knows who a network's admins are. Accounts
-- created before this migration are announced once here, through the outbox like any event, as
-- they are now (any later change supersedes it).
INSERT INTO outbox (event_id, topic, key, type, source, occurred_at, payload)
SELECT gen_random_uuid(),
       'gateway.staff.v1',
       s.id::text,
       'mesocare.gateway.StaffAccountChanged.v1',
       'mesocare/gateway',
       now(),
       jsonb_build_object(
           'network_id', s.network_id,
           'staff_id', s.id,
           'email', s.email,
           'display_name', s.display_name,
           'roles', to_jsonb(s.roles),
           'clinic_ids', to_jsonb(s.clinic_ids),
           'active', s.active
       )
  FROM staff_accounts s
 ORDER BY s.created_at, s.id;
