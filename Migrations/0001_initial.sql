-- 0001_initial: models (configuration, vocabulary, weights, learning curve), questions, and the
-- embeddings of questions under each model.
--
-- Conventions: snake_case names as in docs/design.md; times are UTC text 'YYYY-MM-DD HH:MM:SS.SSS'
-- (GRDB's Date format, so they sort as text); float arrays are float32 little-endian BLOBs.
-- Every row that depends on a model or a question is deleted with it (ON DELETE CASCADE).

-- config is the JSON-encoded ModelConfig; dimension repeats config.dimension (checked equal) so that
-- the embedding triggers below can check vector sizes without parsing JSON on every insert.
-- threshold is the calibrated duplicate cut-off (cosine), NULL until calibrated.
CREATE TABLE model (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE CHECK (length(name) > 0),
    created_at  TEXT    NOT NULL,
    config      TEXT    NOT NULL CHECK (json_valid(config)),
    dimension   INTEGER NOT NULL CHECK (dimension > 0 AND dimension = json_extract(config, '$.dimension')),
    threshold   REAL
);

-- token_id 0 is <PAD>, 1 is <UNK>; ids are contiguous from 0 (checked on load).
CREATE TABLE vocabulary (
    model_id  INTEGER NOT NULL REFERENCES model(id) ON DELETE CASCADE,
    token_id  INTEGER NOT NULL CHECK (token_id >= 0),
    token     TEXT    NOT NULL,
    count     INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (model_id, token_id)
) WITHOUT ROWID;

-- shape is a JSON array of dimensions; data holds product(shape) float32 values, row-major.
CREATE TABLE weight (
    model_id  INTEGER NOT NULL REFERENCES model(id) ON DELETE CASCADE,
    name      TEXT    NOT NULL,
    shape     TEXT    NOT NULL CHECK (json_valid(shape)),
    data      BLOB    NOT NULL,
    PRIMARY KEY (model_id, name)
);

-- The learning curve: one row per finished epoch, written in the same transaction as the weights.
CREATE TABLE training_epoch (
    model_id          INTEGER NOT NULL REFERENCES model(id) ON DELETE CASCADE,
    epoch             INTEGER NOT NULL CHECK (epoch >= 1),
    loss              REAL    NOT NULL,
    pairs_per_second  REAL    NOT NULL,
    seconds           REAL    NOT NULL,
    validation_auc    REAL,
    created_at        TEXT    NOT NULL,
    PRIMARY KEY (model_id, epoch)
) WITHOUT ROWID;

-- normalized is Tokenizer().normalized(text): the key for exact duplicates.
CREATE TABLE question (
    id           INTEGER PRIMARY KEY,
    text         TEXT NOT NULL,
    normalized   TEXT NOT NULL UNIQUE CHECK (length(normalized) > 0),
    external_id  TEXT,
    source       TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- vector: the question's unit vector under the model, exactly 4 · model.dimension bytes.
CREATE TABLE embedding (
    model_id     INTEGER NOT NULL REFERENCES model(id) ON DELETE CASCADE,
    question_id  INTEGER NOT NULL REFERENCES question(id) ON DELETE CASCADE,
    vector       BLOB    NOT NULL CHECK (typeof(vector) = 'blob'),
    PRIMARY KEY (model_id, question_id)
);

-- Deleting a question cascades to its embeddings: that lookup needs question_id first.
CREATE INDEX embedding_question ON embedding(question_id);

-- CHECK cannot read another table, so the vector size is checked by triggers. A missing model makes
-- the comparison NULL, so the foreign key, not this trigger, reports it.
CREATE TRIGGER embedding_vector_size_on_insert BEFORE INSERT ON embedding
WHEN length(NEW.vector) <> 4 * (SELECT dimension FROM model WHERE id = NEW.model_id)
BEGIN
    SELECT RAISE(ABORT, 'embedding vector size does not match the model dimension');
END;

CREATE TRIGGER embedding_vector_size_on_update BEFORE UPDATE OF model_id, vector ON embedding
WHEN length(NEW.vector) <> 4 * (SELECT dimension FROM model WHERE id = NEW.model_id)
BEGIN
    SELECT RAISE(ABORT, 'embedding vector size does not match the model dimension');
END;
