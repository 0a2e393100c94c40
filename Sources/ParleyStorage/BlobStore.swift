import Crypto
public import ParleyLog
import ParleyModel
import Synchronization

/// File bytes in the data directory, content-addressed: `blobs/<aa>/<sha256 hex>`. A blob is
/// written to `blobs/tmp/`, fsynced, renamed into place and its directory fsynced before its
/// file's record is logged, so a logged file always has its bytes. Blobs no file names (an
/// upload that crashed before its record, a delete that crashed before its unlink) are swept at
/// start (``sweep(keeping:)``).
public final class BlobStore: Sendable {
    public let root: String
    private let fileSystem: any FileSystem
    /// Blobs written and not yet named by a committed record: never unlinked meanwhile.
    private let settling = Mutex<[String: Int]>([:])
    private let counter = Atomic<UInt64>(0)

    public init(dataDirectory: String, fileSystem: any FileSystem = PosixFileSystem()) throws {
        root = joinPath(dataDirectory, "blobs")
        self.fileSystem = fileSystem
        for directory in [root, joinPath(root, "tmp"), joinPath(root, "thumbs")] where !fileSystem.fileExists(directory) {
            try fileSystem.createDirectoryDurably(directory)
        }
    }

    /// Where a blob's bytes are.
    public func path(_ sha256: String) -> String { Self.path(sha256, root: root) }

    /// Where a blob's bytes are in the data directory `dataDirectory` (read without opening a
    /// store there: another node's directory, for `parley cluster reseed`).
    public static func path(_ sha256: String, dataDirectory: String) -> String {
        path(sha256, root: joinPath(dataDirectory, "blobs"))
    }

    private static func path(_ sha256: String, root: String) -> String {
        joinPath(joinPath(root, String(sha256.prefix(2))), sha256)
    }

    /// A new blob, hashed as it is written.
    public func begin() throws -> BlobWriter {
        let name = "upload-\(counter.add(1, ordering: .relaxed).newValue)-\(UInt64.random(in: 0...UInt64.max))"
        let path = joinPath(joinPath(root, "tmp"), name)
        return BlobWriter(path: path, file: try fileSystem.openForAppending(path), store: self)
    }

    /// Moves a finished upload into place (fsynced) and holds it until ``settled(_:)``.
    func place(_ writer: BlobWriter, sha256: String) throws {
        let directory = joinPath(root, String(sha256.prefix(2)))
        if !fileSystem.fileExists(directory) {
            try fileSystem.createDirectoryDurably(directory)
        }
        settling.withLock { $0[sha256, default: 0] += 1 }
        let target = path(sha256)
        if fileSystem.fileExists(target) {
            try? fileSystem.removeFile(writer.path)  // the same bytes are already stored
        } else {
            try fileSystem.rename(writer.path, to: target)
            try fileSystem.syncDirectory(directory)
        }
    }

    /// The upload's record is committed (or failed): the blob may be swept or unlinked again.
    public func settled(_ sha256: String) {
        settling.withLock { held in
            let left = (held[sha256] ?? 1) - 1
            held[sha256] = left > 0 ? left : nil
        }
    }

    /// Unlinks a blob no file names any more (unless an upload of the same bytes is settling),
    /// with its thumbnail.
    public func remove(_ sha256: String) {
        guard !settling.withLock({ $0[sha256] != nil }) else { return }
        try? fileSystem.removeFile(path(sha256))
        try? fileSystem.removeFile(thumbnailPath(sha256))
    }

    /// Where a blob's thumbnail is (derived data: made again when missing).
    public func thumbnailPath(_ sha256: String) -> String {
        joinPath(joinPath(root, "thumbs"), sha256 + ".jpg")
    }

    /// The blob's thumbnail: the stored one, else made now (and kept); `nil` when the blob is
    /// not an image libvips reads.
    public func thumbnail(_ sha256: String) -> [UInt8]? {
        if let kept = try? fileSystem.readFile(thumbnailPath(sha256)) { return kept }
        guard let image = try? read(sha256), let thumbnail = Thumbnailer.thumbnail(of: image) else { return nil }
        let temporary = joinPath(joinPath(root, "tmp"), "thumb-\(counter.add(1, ordering: .relaxed).newValue)-\(sha256)")
        if let file = try? fileSystem.openForAppending(temporary) {
            let written = (try? file.append(thumbnail)) != nil && (try? file.close()) != nil
            if written { try? fileSystem.rename(temporary, to: thumbnailPath(sha256)) } else { try? fileSystem.removeFile(temporary) }
        }
        return thumbnail
    }

    func discard(_ path: String) { try? fileSystem.removeFile(path) }

    /// Whether this store has the blob's bytes.
    public func contains(_ sha256: String) -> Bool { fileSystem.fileExists(path(sha256)) }

    /// Reads a blob (at most a file's limit, 10 MiB).
    public func read(_ sha256: String) throws -> [UInt8] { try fileSystem.readFile(path(sha256)) }

    /// Removes every blob not in `keeping` and every unfinished upload; returns how many.
    @discardableResult
    public func sweep(keeping: Set<String>) -> Int {
        var removed = 0
        for name in (try? fileSystem.contentsOfDirectory(joinPath(root, "tmp"))) ?? [] {
            if (try? fileSystem.removeFile(joinPath(joinPath(root, "tmp"), name))) != nil { removed += 1 }
        }
        let thumbs = joinPath(root, "thumbs")
        for name in (try? fileSystem.contentsOfDirectory(thumbs)) ?? [] where !keeping.contains(String(name.dropLast(4))) {
            if (try? fileSystem.removeFile(joinPath(thumbs, name))) != nil { removed += 1 }
        }
        for directory in (try? fileSystem.contentsOfDirectory(root)) ?? [] where directory != "tmp" && directory != "thumbs" {
            for name in (try? fileSystem.contentsOfDirectory(joinPath(root, directory))) ?? [] where !keeping.contains(name) {
                if (try? fileSystem.removeFile(joinPath(joinPath(root, directory), name))) != nil { removed += 1 }
            }
        }
        return removed
    }
}

/// One upload on its way into the blob store. Used by one task.
public final class BlobWriter {
    let path: String
    private let file: any AppendableFile
    private let store: BlobStore
    private var hasher = SHA256()
    public private(set) var size: UInt64 = 0
    /// The first bytes, for sniffing the content type.
    public private(set) var head: [UInt8] = []
    private var closed = false

    init(path: String, file: any AppendableFile, store: BlobStore) {
        self.path = path
        self.file = file
        self.store = store
    }

    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        try file.append(bytes)
        hasher.update(bufferPointer: bytes)
        size += UInt64(bytes.count)
        if head.count < 512 { head += bytes.prefix(512 - head.count) }
    }

    /// Syncs the bytes and moves them into place; returns the blob's name (hex SHA-256). Call
    /// ``BlobStore/settled(_:)`` once the file's record is logged (or failed).
    public func finish() throws -> String {
        try file.sync()
        try file.close()
        closed = true
        let digest = Hex.encode(hasher.finalize())
        try store.place(self, sha256: digest)
        return digest
    }

    /// Drops an unfinished upload.
    public func abandon() {
        if !closed { try? file.close() }
        closed = true
        store.discard(path)
    }
}
