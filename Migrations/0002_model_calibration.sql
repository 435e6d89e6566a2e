-- 0002_model_calibration: how a model's threshold was calibrated and which epoch was kept.
--
-- calibration is a JSON object (ModelCalibration): the threshold rule ("best accuracy"), the pairs it was
-- calibrated on and their source, the accuracy there, and the epoch kept with the validation metric that
-- picked it. NULL for models trained before this migration (they keep their threshold and last epoch).
ALTER TABLE model ADD COLUMN calibration TEXT CHECK (calibration IS NULL OR json_valid(calibration));
