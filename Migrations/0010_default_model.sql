-- 0010_default_model: the model commands use when none is named (`siamese model use NAME`).
--
-- At most one model is the default (the partial unique index). With none set, commands use the most recently
-- trained model, as before. A finished training run that replaces a model takes over its default mark in the
-- same transaction, so retraining the default model keeps it the default.
ALTER TABLE model ADD COLUMN is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1));
CREATE UNIQUE INDEX model_is_default ON model(is_default) WHERE is_default = 1;
