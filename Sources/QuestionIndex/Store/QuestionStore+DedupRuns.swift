import Foundation
import GRDB

/// A dedup run as stored by `saveDedupRun`.
package struct StoredDedupRun: Sendable, Equatable {
    package var id: Int64
    /// The model's id, nil once the model was deleted.
    package var modelID: Int64?
    package var modelName: String
    package var threshold: Float
    /// The keyword weight of the pairs' scores (0: cosines; runs stored before migration 0015).
    package var keywordWeight: Float
    /// `ClusteringRule.rawValue` of the rule used.
    package var rule: String
    package var minimumSize: Int
    package var questionCount: Int
    package var pairCount: Int
    package var createdAt: Date
    /// Largest first, as the run reported them.
    package var clusters: [DuplicateCluster]
}

/// Dedup runs: clusters kept for later review (migration 0005).
extension QuestionStore {
    /// Stores a run and its clusters in one transaction.
    /// - Returns: the run's id.
    /// - Throws: `IndexError.modelIDNotFound`, or a database error (a cluster member that is not a stored question).
    @discardableResult
    package func saveDedupRun(modelID: Int64, deduplication: Deduplication,
                             result: Deduplication.Result) throws(IndexError) -> Int64 {
        let path = self.path
        return try write { db in
            let (modelName, _) = try Self.modelNameAndDimension(db, id: modelID, path: path)
            try db.execute(sql: """
                INSERT INTO dedup_run (model_id, model_name, threshold, keyword_weight, rule, min_size, question_count,
                                       pair_count, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [modelID, modelName, Double(deduplication.threshold),
                                 Double(deduplication.keywordWeight), deduplication.rule.rawValue,
                                 deduplication.minimumSize, result.questionCount, result.pairs.count, Date()])
            let runID = db.lastInsertedRowID
            let insertCluster = try db.cachedStatement(
                sql: "INSERT INTO dedup_cluster (run_id, cluster, lowest_similarity) VALUES (?, ?, ?)")
            let insertMember = try db.cachedStatement(sql: """
                INSERT INTO dedup_member (run_id, cluster, position, question_id, similarity, mean_similarity)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
            for (index, cluster) in result.clusters.enumerated() {
                try insertCluster.execute(arguments: [runID, index + 1, Double(cluster.lowestSimilarity)])
                for (position, member) in cluster.members.enumerated() {
                    try insertMember.execute(arguments: [runID, index + 1, position, member.questionID,
                                                         Double(member.similarity), Double(member.meanSimilarity)])
                }
            }
            return runID
        }
    }

    /// The stored run `id` with its clusters, nil when there is none. Clusters that lost members to deleted
    /// questions keep the rest (a cluster left with none is left out).
    package func dedupRun(id: Int64) throws(IndexError) -> StoredDedupRun? {
        let path = self.path
        return try read { db in
            guard let fetched = try Row.fetchOne(db, sql: "SELECT * FROM dedup_run WHERE id = ?", arguments: [id]) else {
                return nil
            }
            // Every value is checked (`StoredRow`): a hand-edited run is an error naming its row, not a crash.
            let run = StoredRow(fetched, table: "dedup_run", name: "run \(id)", path: path)
            var members: [Int64: [DuplicateCluster.Member]] = [:]
            let memberRows = try Row.fetchCursor(db, sql: """
                SELECT cluster, question_id, similarity, mean_similarity FROM dedup_member
                WHERE run_id = ? ORDER BY cluster, position
                """, arguments: [id])
            while let fetchedMember = try memberRows.next() {
                let member = StoredRow(fetchedMember, table: "dedup_member", name: "a member of run \(id)", path: path)
                members[try member.integer("cluster"), default: []].append(DuplicateCluster.Member(
                    questionID: try member.integer("question_id"), similarity: Float(try member.number("similarity")),
                    meanSimilarity: Float(try member.number("mean_similarity"))))
            }
            let clusters = try Row.fetchAll(db, sql: """
                SELECT cluster, lowest_similarity FROM dedup_cluster WHERE run_id = ? ORDER BY cluster
                """, arguments: [id]).compactMap { fetchedCluster throws -> DuplicateCluster? in
                    let cluster = StoredRow(fetchedCluster, table: "dedup_cluster", name: "a cluster of run \(id)",
                                            path: path)
                    guard let list = members[try cluster.integer("cluster")], !list.isEmpty else { return nil }
                    return DuplicateCluster(members: list, lowestSimilarity: Float(try cluster.number("lowest_similarity")))
                }
            return StoredDedupRun(id: id, modelID: try run.optionalInteger("model_id"), modelName: try run.text("model_name"),
                                  threshold: Float(try run.number("threshold")),
                                  keywordWeight: Float(try run.number("keyword_weight")), rule: try run.text("rule"),
                                  minimumSize: try run.integer("min_size", in: 2...Int(Int32.max)),
                                  questionCount: try run.integer("question_count", in: 0...Int.max),
                                  pairCount: try run.integer("pair_count", in: 0...Int.max),
                                  createdAt: try run.date("created_at"), clusters: clusters)
        }
    }
}
