import SiameseNet

/// The retrieval protocol of `siamese eval`: from a labelled pair file (and distractor questions), which
/// questions are asked, what they are searched in, and which results count as right.
///
/// - Questions of the pair file are identified by `qid1`/`qid2` when a row has them, else by normalized text
///   (`Tokenizer().normalized`). The duplicate groups are the connected components of the rows labelled
///   `is_duplicate = 1` (with words on both sides).
/// - Queries: every distinct question of the pair file in a group of two or more.
/// - Corpus: every distinct question of the pair file and of the distractors, deduplicated by normalized
///   text (the first text seen is kept); questions without words are left out.
/// - Relevant documents of a query: the corpus documents of the other members of its group, except the
///   query's own document (a member with the same words as the query is the query itself). A query left with
///   no relevant document is dropped and counted in `queriesWithoutRelevant`.
/// - The query's own document is excluded from its results.
public struct RetrievalTask: Sendable {
    /// One query: a question of the pair file with known duplicates.
    public struct Query: Sendable, Equatable {
        /// The question as written in the pair file.
        public var text: String
        /// The query's own document in the corpus, excluded from its results.
        public var document: Int
        /// Documents that count as right answers; never contains `document`, never empty.
        public var relevant: Set<Int>
    }

    /// Document texts as first seen; document ids are indices.
    public let documents: [String]
    /// `documents`, normalized.
    let normalizedDocuments: [String]
    /// The questions asked, each with its own document and its relevant documents.
    public let queries: [Query]
    /// Questions (of the pair file or the distractors) left out of the corpus because they have no words.
    public let questionsWithoutWords: Int
    /// Queries dropped because every other member of their group has their words.
    public let queriesWithoutRelevant: Int

    /// - Parameters:
    ///   - pairs: the rows of the pair file (unlabelled rows add questions to the corpus, not to the groups).
    ///   - distractors: more questions for the corpus, e.g. the rows of the training file.
    public init(pairs: [QuestionPair], distractors: [[SourceQuestion]] = []) {
        let tokenizer = Tokenizer()
        var documents: [String] = [], normalizedDocuments: [String] = []
        var documentOf: [String: Int] = [:]
        var withoutWords = 0
        /// The document of a question, added to the corpus if new; nil when it has no words.
        func document(_ text: String, normalized: String) -> Int? {
            guard !normalized.isEmpty else { withoutWords += 1; return nil }
            if let known = documentOf[normalized] { return known }
            documents.append(text)
            normalizedDocuments.append(normalized)
            documentOf[normalized] = documents.count - 1
            return documents.count - 1
        }

        // The pair file's questions by key, in order of first appearance.
        var keys: [String] = [], keyIndex: [String: Int] = [:]
        var keyText: [String] = [], keyDocument: [Int] = []
        var groups = DuplicateClusters()
        for pair in pairs {
            var rowKeys: [Int?] = []
            for (text, qid) in [(pair.question1, pair.qid1), (pair.question2, pair.qid2)] {
                let normalized = tokenizer.normalized(text)
                guard let doc = document(text, normalized: normalized) else { rowKeys.append(nil); continue }
                let key = qid.map { "qid:" + $0 } ?? "text:" + normalized
                if let known = keyIndex[key] { rowKeys.append(known); continue }
                keyIndex[key] = keys.count
                rowKeys.append(keys.count)
                keys.append(key)
                keyText.append(text)
                keyDocument.append(doc)
            }
            if pair.isDuplicate == true, let first = rowKeys[0], let second = rowKeys[1] {
                groups.join(keys[first], keys[second])
            }
        }
        for source in distractors {
            for question in source { _ = document(question.text, normalized: tokenizer.normalized(question.text)) }
        }

        var members: [Int: [Int]] = [:]
        for (index, key) in keys.enumerated() { members[groups.root(of: key), default: []].append(index) }
        var queries: [Query] = [], withoutRelevant = 0
        for (index, key) in keys.enumerated() {
            let group = members[groups.root(of: key)] ?? []
            guard group.count > 1 else { continue }
            var relevant = Set(group.map { keyDocument[$0] })
            relevant.remove(keyDocument[index])
            guard !relevant.isEmpty else { withoutRelevant += 1; continue }
            queries.append(Query(text: keyText[index], document: keyDocument[index], relevant: relevant))
        }
        self.documents = documents
        self.normalizedDocuments = normalizedDocuments
        self.queries = queries
        questionsWithoutWords = withoutWords
        queriesWithoutRelevant = withoutRelevant
    }
}
