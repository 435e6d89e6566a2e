-- 0010_model_default_and_owner: the model commands use when none is named (`siamese model use NAME`), and
-- the process that runs an unfinished training run.
--
-- At most one model is the default (the partial unique index). With none set, commands use the most recently
-- trained model, as before. A finished training run that replaces a model takes over its default mark in the
-- same transaction, so retraining the default model keeps it the default.
ALTER TABLE model ADD COLUMN is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1));
CREATE UNIQUE INDEX model_is_default ON model(is_default) WHERE is_default = 1;

-- run_owner: the process running an unfinished run ('training' state), as 'HOST PID'; NULL for a ready model
-- and for runs started before 0010. A run whose process is gone from this host is abandoned (killed, crashed):
-- the next `siamese train` deletes it, and `info` says so.
ALTER TABLE model ADD COLUMN run_owner TEXT;
