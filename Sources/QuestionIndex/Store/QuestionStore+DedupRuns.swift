import Foundation
import GRDB

/// A dedup run as stored by `saveDedupRun`.
package struct StoredDedupRun: Sendable, Equatable {
    package var id: Int64
    /// The model's id, nil once the model was deleted.
    package var modelID: Int64?
    package var modelName: String
    package var threshold: Float
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
                INSERT INTO dedup_run (model_id, model_name, threshold, rule, min_size, question_count, pair_count, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [modelID, modelName, Double(deduplication.threshold), deduplication.rule.rawValue,
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
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM dedup_run WHERE id = ?", arguments: [id]) else {
                return nil
            }
            var members: [Int: [DuplicateCluster.Member]] = [:]
            let memberRows = try Row.fetchCursor(db, sql: """
                SELECT cluster, question_id, similarity, mean_similarity FROM dedup_member
                WHERE run_id = ? ORDER BY cluster, position
                """, arguments: [id])
            while let member = try memberRows.next() {
                members[member["cluster"], default: []].append(DuplicateCluster.Member(
                    questionID: member["question_id"], similarity: Float(member["similarity"] as Double),
                    meanSimilarity: Float(member["mean_similarity"] as Double)))
            }
            let clusters = try Row.fetchAll(db, sql: """
                SELECT cluster, lowest_similarity FROM dedup_cluster WHERE run_id = ? ORDER BY cluster
                """, arguments: [id]).compactMap { cluster -> DuplicateCluster? in
                    guard let list = members[cluster["cluster"]], !list.isEmpty else { return nil }
                    return DuplicateCluster(members: list, lowestSimilarity: Float(cluster["lowest_similarity"] as Double))
                }
            return StoredDedupRun(id: id, modelID: row["model_id"], modelName: row["model_name"],
                                  threshold: Float(row["threshold"] as Double), rule: row["rule"],
                                  minimumSize: row["min_size"], questionCount: row["question_count"],
                                  pairCount: row["pair_count"], createdAt: row["created_at"], clusters: clusters)
        }
    }
}
