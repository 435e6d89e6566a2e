-- 0008_question_entry: every input row keeps its identity, even when its text is already stored.
--
-- A question is one distinct text (question.normalized is unique) and is embedded once; an entry is one row of
-- an input file that named it. Several entries may share a question: the same FAQ question filed twice under
-- two ids is two entries of one question, which `dedup` reports as the tightest cluster.
--
-- Identity of an entry: (source, external_id) when the row has an id, so that indexing the file again with
-- the id's text changed updates the entry (upsert) instead of adding a second one; (source, line, question)
-- when it has none, so that indexing the same file again changes nothing and no row is ever overwritten by
-- another that happens to sit on the same line. `source` is the input's name (the file name, or what
-- `index --source` says); ids of different sources never collide. Real files give one id to two texts now and
-- then (Quora's dev.tsv: qid 6147 is "Who will win ipl 2016?" and "Who will win IPL2016?"): an id names the set
-- of texts its source gives it, one entry per text, and indexing the source again makes the set what the file
-- says.
-- text: the row's own spelling (question.text keeps the first one stored).
-- line: the 1-based line the row starts on in its file, NULL when not known (entries made before 0008, or
-- added through the library without one).
CREATE TABLE question_entry (
    id           INTEGER PRIMARY KEY,
    question_id  INTEGER NOT NULL REFERENCES question(id) ON DELETE CASCADE,
    source       TEXT    NOT NULL,
    external_id  TEXT    CHECK (external_id IS NULL OR length(external_id) > 0),
    line         INTEGER CHECK (line IS NULL OR line >= 1),
    text         TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);

CREATE UNIQUE INDEX question_entry_external_id ON question_entry(external_id, source, question_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX question_entry_source_line ON question_entry(source, line);
CREATE INDEX question_entry_question ON question_entry(question_id);

-- A question lives as long as an entry names it: removing or moving its last entry deletes it, and with it
-- its vectors and its full-text row (cascade and triggers). So no question is ever left without an entry.
CREATE TRIGGER question_entry_after_delete AFTER DELETE ON question_entry
WHEN NOT EXISTS (SELECT 1 FROM question_entry WHERE question_id = OLD.question_id)
BEGIN
    DELETE FROM question WHERE id = OLD.question_id;
END;

CREATE TRIGGER question_entry_after_update AFTER UPDATE OF question_id ON question_entry
WHEN NOT EXISTS (SELECT 1 FROM question_entry WHERE question_id = OLD.question_id)
BEGIN
    DELETE FROM question WHERE id = OLD.question_id;
END;

-- Questions stored before this migration: one entry each, with the id and source they were stored with.
INSERT INTO question_entry (question_id, source, external_id, line, text, created_at, updated_at)
    SELECT id, source, NULLIF(external_id, ''), NULL, text, created_at, created_at FROM question ORDER BY id;

-- The entries hold identity now; question keeps only the text and its key.
ALTER TABLE question DROP COLUMN external_id;
ALTER TABLE question DROP COLUMN source;
