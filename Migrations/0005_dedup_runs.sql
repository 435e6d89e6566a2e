-- 0005_dedup_runs: stored runs of `siamese dedup --store`, so a FAQ editor can work through the clusters later
-- (`siamese dedup --show RUN`).
--
-- A run records its model (by id, and by name for people: the name survives the model), threshold, clustering
-- rule, minimum cluster size and what it scanned; its clusters keep their number (1 = largest) and lowest
-- internal similarity; members keep their position (0 = the representative), their similarity to the
-- representative and their mean similarity to the other members. Deleting a run deletes its clusters;
-- deleting a model keeps its runs (model_id becomes NULL); deleting a question removes it from the runs.
CREATE TABLE dedup_run (
    id              INTEGER PRIMARY KEY,
    model_id        INTEGER REFERENCES model(id) ON DELETE SET NULL,
    model_name      TEXT    NOT NULL,
    threshold       REAL    NOT NULL CHECK (threshold BETWEEN -1 AND 1),
    rule            TEXT    NOT NULL CHECK (length(rule) > 0),
    min_size        INTEGER NOT NULL CHECK (min_size >= 2),
    question_count  INTEGER NOT NULL CHECK (question_count >= 0),
    pair_count      INTEGER NOT NULL CHECK (pair_count >= 0),
    created_at      TEXT    NOT NULL
);

CREATE TABLE dedup_cluster (
    run_id             INTEGER NOT NULL REFERENCES dedup_run(id) ON DELETE CASCADE,
    cluster            INTEGER NOT NULL CHECK (cluster >= 1),
    lowest_similarity  REAL    NOT NULL,
    PRIMARY KEY (run_id, cluster)
) WITHOUT ROWID;

CREATE TABLE dedup_member (
    run_id           INTEGER NOT NULL,
    cluster          INTEGER NOT NULL,
    position         INTEGER NOT NULL CHECK (position >= 0),
    question_id      INTEGER NOT NULL REFERENCES question(id) ON DELETE CASCADE,
    similarity       REAL    NOT NULL,
    mean_similarity  REAL    NOT NULL,
    PRIMARY KEY (run_id, cluster, position),
    FOREIGN KEY (run_id, cluster) REFERENCES dedup_cluster(run_id, cluster) ON DELETE CASCADE
) WITHOUT ROWID;

-- Deleting a question looks its memberships up by question_id.
CREATE INDEX dedup_member_question ON dedup_member(question_id);
