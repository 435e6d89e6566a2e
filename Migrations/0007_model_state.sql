-- 0007_model_state: a model is trained beside the one it replaces and swapped in when training ends.
--
-- state 'training': the model of a run that has not finished (its weights are the best epoch so far). Commands
-- never use such a model; a finished run renames it to `target` and marks it 'ready' in the same transaction
-- that deletes the model it replaces (with that model's vectors), so readers see the old model or the new one,
-- never a mix, and a run that fails or is killed leaves the old model as it was.
-- target: the name the run's model takes when training ends (NULL for a ready model).
ALTER TABLE model ADD COLUMN state TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'training'));
ALTER TABLE model ADD COLUMN target TEXT CHECK ((state = 'training') = (target IS NOT NULL));
