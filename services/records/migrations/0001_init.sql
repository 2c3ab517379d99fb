-- The records service's own schema starts here; the platform tables (outbox, inbox,
-- idempotency_keys) come from shared/migrations.
SELECT 1;
