// Fuzz target for the input readers and the tokenizer (issue 7): every byte string, written to a file with
// each extension the readers know, must be read or refused with a `ReaderError` — never a crash, a hang or
// text that breaks the rules (control characters, empty questions). Built by Benchmarks/fuzz.sh with
// libFuzzer (`-sanitize=fuzzer -DFUZZING`); built normally it replays files given as arguments.
import Foundation
import QuestionIndex
import SiameseNet

let directory = FileManager.default.temporaryDirectory
    .appendingPathComponent("fuzz-readers-\(getpid())", isDirectory: true)

/// Runs every reader on `bytes`; stops the process (a finding) when a rule is broken.
func exercise(_ bytes: [UInt8]) {
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let tokenizer = Tokenizer()
    for ext in ["txt", "csv", "tsv"] {
        let path = directory.appendingPathComponent("input.\(ext)").path
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { fatalError("cannot write \(path)") }
        var texts: [String] = []
        for skipBad in [false, true] {
            if let output = try? QuestionReader(skipBad: skipBad).read(path) { texts += output.questions.map(\.text) }
            if let output = try? PairReader(skipBad: skipBad).read(path) {
                texts += output.pairs.flatMap { [$0.question1, $0.question2] }
            }
        }
        if var stream = try? QuestionStream(path: path) {
            while let row = try? stream.next() {
                if case .success(let question) = row { texts.append(question.text) }
            }
        }
        // `index` reads plain text and TSV tables (the pair layout too) a slice at a time with the stream: it must
        // give exactly the rows of the whole-file reader, with and without skipping bad rows.
        if ext != "csv" {
            for skipBad in [false, true] {
                guard let whole = try? QuestionReader(skipBad: skipBad).read(path),
                      var stream = try? QuestionStream(path: path, pairLayout: true) else { continue }
                var streamed: [SourceQuestion] = [], failed = false
                while let row = try? stream.next() {
                    switch row {
                    case .success(let question): streamed.append(question)
                    case .failure: failed = true
                    }
                }
                guard streamed == whole.questions, skipBad || !failed else {
                    fatalError("the stream and the whole-file reader disagree on \(bytes) (\(ext), skipBad \(skipBad))")
                }
            }
        }
        for text in texts {
            guard !text.isEmpty else { fatalError("an empty question was read from \(bytes)") }
            guard !text.utf8.contains(where: ControlCharacters.isForbidden) else {
                fatalError("a control character was read into \(text.debugDescription)")
            }
            _ = tokenizer.tokens(text)
            _ = tokenizer.normalized(text)
        }
    }
}

#if FUZZING
// libFuzzer's driver, started from our own main (SwiftPM gives every executable its main; libFuzzer's own main
// then stays out of the link).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    exercise(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
})
#else
// Replay: `fuzz-readers FILE...` runs the readers on each file (a crash input libFuzzer saved, for example).
for path in CommandLine.arguments.dropFirst() {
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("fuzz-readers: cannot read \(path)\n".utf8))
        exit(1)
    }
    exercise(Array(data))
    print("\(path): ok")
}
#endif
