import Testing

@Suite("shell completion")
struct CompletionTests {
    /// Every option that names a file completes file names (`completion: .file()`), the demo's data folder
    /// completes folders.
    @Test("path options complete file names", arguments: ["bash", "zsh", "fish"])
    func pathOptionsCompleteFiles(shell: String) throws {
        try withWorkspace { workspace in
            let result = try workspace.succeed("--generate-completion-script", shell)
            #expect(result.stdout.contains(shell == "fish" ? "'db='" : "--db"))
            if shell == "bash" {
                for option in ["--db", "--pairs", "--dev", "--distractors"] {
                    #expect(result.stdout.contains("'\(option)')\n        __siamese_add_completions -f"), "\(option)")
                }
                #expect(result.stdout.contains("'--data')\n        __siamese_add_completions -d"))
            }
        }
    }
}
