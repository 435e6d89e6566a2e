import QuestionIndex
import SiameseNet

/// The version of siamese, the one place it is written; `siamese --version` prints it with the schema and the
/// tokenizer rule this build writes.
enum Version {
    static let number = "0.1.0"

    static var description: String {
        "\(number) (index schema \(QuestionStore.supportedSchemaVersion), tokenizer version \(Tokenizer.version))"
    }
}
