-- 0011_compact_chunks: the compact (int8) copy of each model's embeddings, stored in large chunks so that a
-- query loads it with a handful of BLOB reads instead of every Float32 vector (docs/design.md, "Compact copy
-- in SQLite"). Numbered 0011 on purpose: 0008 and 0010 are other features' migrations.
--
-- A chunk holds the embeddings of one model whose question ids lie in [first_question_id, last_question_id]
-- (its first and last row's ids), ordered by question id; the ranges of one model's chunks never overlap.
-- Each row x is kept as `QuantizedEmbeddings` needs it: int8 codes c with one scale s (x ≈ s · c) and upper
-- bounds on ‖x − s · c‖ and on ‖x‖. The chunk's metadata (here) and its BLOBs (compact_chunk_data) are
-- separate rows so that marking a chunk stale rewrites a few bytes, not megabytes.
--
-- stale = 1: an embedding inside the range was inserted, replaced or deleted after the chunk was written
-- (set by the triggers below, whoever writes). A reader never uses a stale chunk's BLOBs: it reads that range's
-- Float32 rows from `embedding` and quantizes them, as it does for every id not covered by a fresh chunk (rows
-- appended after the last chunk, "the tail"). `QuestionStore.refreshCompactChunks` rebuilds stale chunks and
-- packs the tail into chunks; the result is the same either way, only slower without it.
CREATE TABLE compact_chunk (
    id                 INTEGER PRIMARY KEY,
    model_id           INTEGER NOT NULL REFERENCES model(id) ON DELETE CASCADE,
    first_question_id  INTEGER NOT NULL,
    last_question_id   INTEGER NOT NULL CHECK (last_question_id >= first_question_id),
    row_count          INTEGER NOT NULL CHECK (row_count >= 1),
    stale              INTEGER NOT NULL DEFAULT 0 CHECK (stale IN (0, 1)),
    UNIQUE (model_id, first_question_id)
);

-- The chunk's rows, row_count of each, little-endian: question_ids int64 (ascending), codes int8 [row_count, d]
-- row-major, scales / errors / norms float32 (per row: s, a bound on ‖x − s · c‖, a bound on ‖x‖).
CREATE TABLE compact_chunk_data (
    chunk_id      INTEGER PRIMARY KEY REFERENCES compact_chunk(id) ON DELETE CASCADE,
    question_ids  BLOB NOT NULL CHECK (typeof(question_ids) = 'blob'),
    codes         BLOB NOT NULL CHECK (typeof(codes) = 'blob'),
    scales        BLOB NOT NULL CHECK (typeof(scales) = 'blob'),
    errors        BLOB NOT NULL CHECK (typeof(errors) = 'blob'),
    norms         BLOB NOT NULL CHECK (typeof(norms) = 'blob')
);

-- Staleness, kept by the database itself so that no writer can miss it: any insert, update or delete of an
-- embedding whose question id lies in a chunk's range marks that chunk stale, including the deletes that cascade
-- from `question` and `model`. The chunk is found with one index seek (the last chunk starting at or before
-- the id), so an `index` that appends rows after every chunk pays almost nothing.
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
