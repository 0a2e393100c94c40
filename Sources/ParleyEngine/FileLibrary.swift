public import ParleyModel
public import ParleyStorage
import Synchronization

/// Uploaded files: the bytes in the ``BlobStore`` (fsynced first), the metadata in the log.
public final class FileLibrary: Sendable {
    /// The largest file (CONTRACT §7: 10 MiB; larger is `FILE_TOO_LARGE`).
    public static let maxBytes: UInt64 = 10 * 1024 * 1024

    public let blobs: BlobStore
    public let allowedTypes: Set<String>
    private let store: EventStore
    private let nextID: Mutex<UInt64>

    public init(store: EventStore, blobs: BlobStore, allowedTypes: Set<String> = ContentSniffer.defaultAllowed) {
        self.store = store
        self.blobs = blobs
        self.allowedTypes = allowedTypes
        nextID = Mutex(store.read { $0.files.watermark })
    }

    /// Logs a file whose blob ``BlobWriter/finish()`` put in place (named `sha256`).
    public func add(
        site: SiteID, name: String, contentType: String, size: UInt64, sha256: String, by uploader: Participant?,
        conversation: ConversationID?
    ) async throws -> StoredFile {
        defer { blobs.settled(sha256) }
        // On a cluster node the id comes from a block reserved in Redis (ClusterIDBlocks).
        let id = FileID(try await store.clusterIDs?.next("file") ?? nextID.withLock { value in
            value += 1
            return value
        })
        let file = StoredFile(
            id: id, siteID: site, originalName: name, contentType: contentType, size: size, sha256: sha256, uploadedBy: uploader,
            conversationID: conversation, createdAt: .now())
        _ = try await store.commit(.fileStored(file))
        if file.isImage {
            // The thumbnail is made off the request path; a request for it before then makes it.
            Task.detached(priority: .background) { [blobs] in _ = blobs.thumbnail(sha256) }
        }
        return file
    }

    /// Deletes a file; its blob goes when no other file names the same bytes.
    public func delete(_ file: StoredFile) async throws {
        _ = try await store.commit(.fileDeleted(file.id, at: .now()))
        if store.read({ $0.files.blobNames[file.sha256] == nil }) { blobs.remove(file.sha256) }
    }

    public func file(_ id: FileID) -> StoredFile? { store.read { $0.files.files[id] } }

    /// Unlinks a blob if no file names it any more (after retention or erasure deleted files).
    public func release(_ sha256: String) {
        if store.read({ $0.files.blobNames[sha256] == nil }) { blobs.remove(sha256) }
    }

    /// Removes the blobs no file names (at start); returns how many.
    @discardableResult
    public func sweep() -> Int { blobs.sweep(keeping: Set(store.read { $0.files.blobNames.keys })) }
}
