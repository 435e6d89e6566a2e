-- 0012_question_fts_bulk: new questions enter the keyword index in one statement per input, not one per row.
--
-- The per-row insert trigger of 0004 made indexing 200,000 new questions spend 7 of its 10 s of SQLite time
-- in FTS5 (one trigger program and one small FTS5 write per row); one INSERT … SELECT at the end of the same
-- transaction takes 2.9 s. `QuestionStore.addRows`, the only code that inserts questions, does it; the delete
-- and update triggers stay, so removals (including cascades) keep the index in step as before, and
-- `siamese info --check` compares the two counts.
DROP TRIGGER question_fts_after_insert;
