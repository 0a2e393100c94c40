import FuzzSupport
import ParleyHistory
import ParleyLog
import ParleyModel

fuzzMain { fuzz($0, $1) }

/// libFuzzer's objects refer to this symbol; it is the same test.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzz(data, size) }

/// A history file (issue 16) as the start and the read path meet it, from bytes nobody
/// checked: `HistoryFile.open` (header, footer, index) either throws or gives a file; a file
/// that opened either fails `verify()` (every block) or reads back every conversation it
/// indexes, whole and in `seq` order, with as many messages as its footer counts.
func fuzz(_ input: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = input else { return 0 }
    let disk = OneFileDisk(bytes: Array(UnsafeBufferPointer(start: data, count: size)))
    guard let file = try? HistoryFile.open(path: OneFileDisk.path, fileSystem: disk) else { return 0 }
    guard (try? file.verify()) != nil else { return 0 }
    var total: UInt64 = 0
    for (conversation, seqs) in file.conversations {
        guard let messages = try? file.messages(of: conversation, seqs: seqs) else {
            preconditionFailure("a verified file fails to read \(conversation)")
        }
        precondition(messages.map(\.seq) == Array(seqs), "\(conversation) does not read back as \(seqs)")
        precondition(messages.allSatisfy { $0.conversationID == conversation }, "a message of another conversation")
        total += UInt64(messages.count)
    }
    precondition(total == file.messageCount, "the blocks hold \(total) messages, the footer says \(file.messageCount)")
    return 0
}

/// A disk holding one file, read-only: all a history file's reader needs.
struct OneFileDisk: FileSystem {
    static let path = "/history/history-00000000000000000001.hist"
    let bytes: [UInt8]

    struct ReadOnly: Error {}

    func contentsOfDirectory(_ directory: String) throws -> [String] { directory == "/history" ? ["history-00000000000000000001.hist"] : [] }
    func createDirectory(_ path: String) throws { throw ReadOnly() }
    func fileExists(_ path: String) -> Bool { path == Self.path }
    func readFile(_ path: String) throws -> [UInt8] {
        guard path == Self.path else { throw ReadOnly() }
        return bytes
    }
    func readPrefix(_ path: String, count: Int) throws -> (bytes: [UInt8], fileSize: Int) {
        (Array(try readFile(path).prefix(max(count, 0))), bytes.count)
    }
    func openForAppending(_ path: String, at offset: Int?) throws -> any AppendableFile { throw ReadOnly() }
    func rename(_ from: String, to: String) throws { throw ReadOnly() }
    func removeFile(_ path: String) throws { throw ReadOnly() }
    func truncateFile(_ path: String, to size: Int) throws { throw ReadOnly() }
    func syncDirectory(_ path: String) throws { throw ReadOnly() }
}
