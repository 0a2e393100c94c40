import Foundation
import ParleyHistory
import ParleyLog
import ParleyModel
import ParleySnapshot

/// Looks for a string everywhere in a data directory, as an auditor checking an erasure would
/// (issue 16): in every file's raw bytes, and in what the compressed files hold once decoded —
/// snapshot bodies, history blocks, log record payloads.
public enum DataDirectoryScan {
    /// The files (relative paths) whose raw bytes contain `marker`.
    public static func rawHits(_ marker: String, in directory: String) -> [String] {
        let needle = Data(marker.utf8)
        return files(in: directory).filter { path in
            (try? Data(contentsOf: URL(fileURLWithPath: joinPath(directory, path))))?.range(of: needle) != nil
        }
    }

    /// Where `marker` appears in decoded snapshot bodies, history files and log records.
    public static func decodedHits(_ marker: String, in directory: String) throws -> [String] {
        let needle = Array(marker.utf8)
        func holds(_ bytes: some Collection<UInt8>) -> Bool { Array(bytes).firstRange(of: needle) != nil }
        var hits: [String] = []
        for path in files(in: directory) {
            let full = joinPath(directory, path)
            if path.hasSuffix(".snap") {
                if holds(try SnapshotStore.read(path: full).1) { hits.append(path) }
            } else if path.hasSuffix(".hist") {
                let file = try HistoryFile.open(path: full)
                for (conversation, seqs) in file.conversations {
                    let messages = try file.messages(of: conversation, seqs: seqs)
                    if messages.contains(where: { $0.content.contains(marker) || ($0.metadataJSON ?? "").contains(marker) }) {
                        hits.append("\(path) \(conversation)")
                    }
                }
            }
        }
        _ = try LogReader.scan(directory: joinPath(directory, "wal")) { record in
            if holds(record.payload) { hits.append("wal LSN \(record.lsn)") }
        }
        return hits
    }

    /// Every regular file under `directory`, relative, sorted.
    public static func files(in directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var result: [String] = []
        for case let path as String in enumerator {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: joinPath(directory, path), isDirectory: &isDirectory), !isDirectory.boolValue {
                result.append(path)
            }
        }
        return result.sorted()
    }
}
