import Foundation

/// Writing the CLI's answers: JSON on standard output, messages on standard error.
enum FileOutput {
    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Prints `value` as pretty JSON with sorted keys.
    static func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        FileHandle.standardOutput.write(try encoder.encode(value) + Data("\n".utf8))
    }

    /// Prints one line as it is.
    static func line(_ text: some StringProtocol) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Prints one compact JSON line (for streams such as `wal inspect`).
    static func jsonLine(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        FileHandle.standardOutput.write(try encoder.encode(value) + Data("\n".utf8))
    }
}

/// Reads `PARLEY_<NAME>` from the environment (the defaults of `serve`'s options).
func environment(_ name: String) -> String? {
    ProcessInfo.processInfo.environment["PARLEY_" + name]
}
