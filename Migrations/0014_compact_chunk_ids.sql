-- 0014_compact_chunk_ids: a compact chunk's id names one content forever, so that a second connection may read
-- a chunk's BLOBs for a reader in another snapshot (docs/design.md, "Loading on two connections").
--
-- Before, `compact_chunk.id` was a plain INTEGER PRIMARY KEY: a refresh that deleted the chunk of the largest id
-- (stale, or a partly filled last chunk) gave the next chunk written the same id, possibly with other contents.
-- Now ids come from AUTOINCREMENT (never reused, even after a delete), and `compact_chunk_data` rows cannot be
-- updated: the data row of chunk id X, wherever it exists, holds the bytes written with X. A reader that
-- decided in its own snapshot that chunk X is fresh may take X's BLOBs from any other snapshot that still has
-- them. Both tables are rebuilt (SQLite cannot add AUTOINCREMENT to a table) with their rows and ids as they
-- are (a one-time copy of the chunks' BLOBs: ~140 MB at a million rows); the staleness triggers of 0011, which
-- name the chunk table, are dropped first and created again unchanged.
DROP TRIGGER embedding_compact_stale_after_insert;
DROP TRIGGER embedding_compact_stale_after_update;
DROP TRIGGER embedding_compact_stale_after_delete;

CREATE TABLE compact_chunk_new (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    model_id           INTEGER NOT NULL REFERENCES model(id) ON DELETE CASCADE,
    first_question_id  INTEGER NOT NULL,
    last_question_id   INTEGER NOT NULL CHECK (last_question_id >= first_question_id),
    row_count          INTEGER NOT NULL CHECK (row_count >= 1),
    stale              INTEGER NOT NULL DEFAULT 0 CHECK (stale IN (0, 1)),
    UNIQUE (model_id, first_question_id)
);
INSERT INTO compact_chunk_new (id, model_id, first_question_id, last_question_id, row_count, stale)
    SELECT id, model_id, first_question_id, last_question_id, row_count, stale FROM compact_chunk;
CREATE TABLE compact_chunk_data_new (
    chunk_id      INTEGER PRIMARY KEY REFERENCES compact_chunk_new(id) ON DELETE CASCADE,
    question_ids  BLOB NOT NULL CHECK (typeof(question_ids) = 'blob'),
    codes         BLOB NOT NULL CHECK (typeof(codes) = 'blob'),
    scales        BLOB NOT NULL CHECK (typeof(scales) = 'blob'),
    errors        BLOB NOT NULL CHECK (typeof(errors) = 'blob'),
    norms         BLOB NOT NULL CHECK (typeof(norms) = 'blob')
);
INSERT INTO compact_chunk_data_new (chunk_id, question_ids, codes, scales, errors, norms)
    SELECT chunk_id, question_ids, codes, scales, errors, norms FROM compact_chunk_data;
-- Migrations run with foreign keys on, so dropping a parent would delete its children: the data goes first.
-- Renaming a table rewrites the references to it, so compact_chunk_data refers to compact_chunk again.
DROP TABLE compact_chunk_data;
DROP TABLE compact_chunk;
ALTER TABLE compact_chunk_new RENAME TO compact_chunk;
ALTER TABLE compact_chunk_data_new RENAME TO compact_chunk_data;

CREATE TRIGGER compact_chunk_data_immutable BEFORE UPDATE ON compact_chunk_data
BEGIN
    SELECT RAISE(ABORT, 'compact_chunk_data rows are written once: delete the chunk and write a new one');
END;

CREATE TRIGGER embedding_compact_stale_after_insert AFTER INSERT ON embedding
BEGIN
    UPDATE compact_chunk SET stale = 1
    WHERE stale = 0 AND last_question_id >= NEW.question_id
      AND id = (SELECT id FROM compact_chunk WHERE model_id = NEW.model_id AND first_question_id <= NEW.question_id
                ORDER BY first_question_id DESC LIMIT 1);
END;

CREATE TRIGGER embedding_compact_stale_after_update AFTER UPDATE ON embedding
BEGIN
    UPDATE compact_chunk SET stale = 1
    WHERE stale = 0 AND last_question_id >= OLD.question_id
      AND id = (SELECT id FROM compact_chunk WHERE model_id = OLD.model_id AND first_question_id <= OLD.question_id
                ORDER BY first_question_id DESC LIMIT 1);
    UPDATE compact_chunk SET stale = 1
    WHERE stale = 0 AND last_question_id >= NEW.question_id
      AND id = (SELECT id FROM compact_chunk WHERE model_id = NEW.model_id AND first_question_id <= NEW.question_id
                ORDER BY first_question_id DESC LIMIT 1);
END;

CREATE TRIGGER embedding_compact_stale_after_delete AFTER DELETE ON embedding
BEGIN
    UPDATE compact_chunk SET stale = 1
    WHERE stale = 0 AND last_question_id >= OLD.question_id
      AND id = (SELECT id FROM compact_chunk WHERE model_id = OLD.model_id AND first_question_id <= OLD.question_id
                ORDER BY first_question_id DESC LIMIT 1);
END;
