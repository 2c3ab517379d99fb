-- What was injected outside a passing cross-check, as the practitioner acknowledged it at
-- completion (SessionCompleted.deviations): the chart keeps it flagged, with the reason.
ALTER TABLE treatments
    ADD COLUMN cross_check_verdict text,
    ADD COLUMN deviations jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN deviation_reason text;
