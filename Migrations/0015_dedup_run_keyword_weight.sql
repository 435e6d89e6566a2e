-- 0015_dedup_run_keyword_weight: a stored dedup run records the keyword weight its pairs were scored with
-- (`siamese dedup --keyword-weight`, else the model's calibrated one): score = (1 - w) * cosine + w * the
-- TF-IDF cosine of the two questions' words. Runs stored before had none: 0, the cosine alone.
ALTER TABLE dedup_run ADD COLUMN keyword_weight REAL NOT NULL DEFAULT 0
    CHECK (keyword_weight BETWEEN 0 AND 0.9);
