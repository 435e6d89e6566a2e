-- 0003_subword_vocabulary: the character n-gram (sub-word) vocabulary of a model trained with sub-words.
--
-- subword_id is the row of the model's `subword_embedding` weight; ids are contiguous from 0, n-grams
-- unique, and their number equals the weight's rows (all checked on load). A model without sub-words has
-- no rows here and no `subword_embedding` weight. count is the number of distinct vocabulary words that
-- contain the n-gram. Numbered 0003 on purpose: 0002 and 0004 are other features' migrations.
CREATE TABLE subword (
    model_id    INTEGER NOT NULL REFERENCES model(id) ON DELETE CASCADE,
    subword_id  INTEGER NOT NULL CHECK (subword_id >= 0),
    ngram       TEXT    NOT NULL CHECK (length(ngram) > 0),
    count       INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (model_id, subword_id),
    UNIQUE (model_id, ngram)
) WITHOUT ROWID;
