-- 0004_question_fts: a full-text index of the questions, for keyword (BM25) matching beside the embedding
-- scan (`siamese query --hybrid`).
--
-- External content: the text lives once, in question.normalized (the tokenizer's lowercased words joined by
-- one space); the FTS5 table holds only the inverted index, keyed by question.id. FTS5's `ascii` tokenizer
-- splits exactly at those spaces (every ASCII character of a word is a letter or digit, and non-ASCII
-- characters are word characters to it), so its terms are the tokenizer's words.
CREATE VIRTUAL TABLE question_fts USING fts5(
    normalized,
    content = 'question',
    content_rowid = 'id',
    tokenize = 'ascii'
);

-- Kept in step with question by triggers. An external-content table must be told the old text of a row it
-- forgets ('delete' command), so the update trigger removes the old row and adds the new one.
CREATE TRIGGER question_fts_after_insert AFTER INSERT ON question
BEGIN
    INSERT INTO question_fts (rowid, normalized) VALUES (NEW.id, NEW.normalized);
END;

CREATE TRIGGER question_fts_after_delete AFTER DELETE ON question
BEGIN
    INSERT INTO question_fts (question_fts, rowid, normalized) VALUES ('delete', OLD.id, OLD.normalized);
END;

CREATE TRIGGER question_fts_after_update AFTER UPDATE ON question
BEGIN
    INSERT INTO question_fts (question_fts, rowid, normalized) VALUES ('delete', OLD.id, OLD.normalized);
    INSERT INTO question_fts (rowid, normalized) VALUES (NEW.id, NEW.normalized);
END;

-- Questions stored before this migration.
INSERT INTO question_fts (question_fts) VALUES ('rebuild');
