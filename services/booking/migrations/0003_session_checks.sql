-- The walking skeleton's shortcut wrote "completed treatments" with no appointment and no
-- cross-check; its endpoint is gone, and so is its table.
DROP TABLE IF EXISTS skeleton_sessions;

-- Every passing cross-check of a session (the start's and each re-check while in progress), in
-- order; `cross_check` stays the last one, which `complete` compares what was given against.
ALTER TABLE appointments ADD COLUMN checks jsonb NOT NULL DEFAULT '[]'::jsonb;
