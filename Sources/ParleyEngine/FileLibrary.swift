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
    private let ids: IDCounter
    /// On a cluster node, the bytes every node can fetch (`nil` on one node).
    private let shared: ClusterBlobs?

    public init(store: EventStore, blobs: BlobStore, allowedTypes: Set<String> = ContentSniffer.defaultAllowed) {
        self.store = store
        self.blobs = blobs
        shared = store.cluster?.blobs
        self.allowedTypes = allowedTypes
        ids = IDCounter("file", after: store.read { $0.files.watermark }, cluster: store.cluster)
        if shared != nil { store.addObserver(self) }
    }

    /// Logs a file whose blob ``BlobWriter/finish()`` put in place (named `sha256`).
    public func add(
        site: SiteID, name: String, contentType: String, size: UInt64, sha256: String, by uploader: Participant?,
        conversation: ConversationID?
    ) async throws -> StoredFile {
        defer { blobs.settled(sha256) }
        let id = FileID(try await ids.next())
        let file = StoredFile(
            id: id, siteID: site, originalName: name, contentType: contentType, size: size, sha256: sha256, uploadedBy: uploader,
            conversationID: conversation, createdAt: .now())
        // Shared before the record that names it: every node that sees the file can serve it.
        if let shared { try await shared.put(sha256, bytes: try blobs.read(sha256)) }
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
        if store.read({ $0.files.blobNames[file.sha256] == nil }) {
            blobs.remove(file.sha256)
            try? await shared?.remove(file.sha256)
        }
    }

    /// A blob's bytes: this node's copy or, on a cluster node that lacks it, the shared one
    /// (kept here from then on). Throws when neither can be read.
    public func bytes(_ sha256: String) async throws -> [UInt8] {
        if let shared, !blobs.contains(sha256), let fetched = try await shared.get(sha256) {
            keep(fetched, as: sha256)
            return fetched
        }
        return try blobs.read(sha256)
    }

    /// A blob's thumbnail (see ``BlobStore/thumbnail(_:)``), fetching the blob first on a cluster
    /// node that lacks it.
    public func thumbnail(_ sha256: String) async -> [UInt8]? {
        if shared != nil, !blobs.contains(sha256) { _ = try? await bytes(sha256) }
        return blobs.thumbnail(sha256)
    }

    /// Keeps a fetched blob in this node's store; bytes whose hash is not their name are not kept.
    private func keep(_ bytes: [UInt8], as sha256: String) {
        guard let writer = try? blobs.begin() else { return }
        do {
            try bytes.withUnsafeBytes { try writer.append($0) }
            let name = try writer.finish()
            blobs.settled(name)
            if name != sha256 { blobs.remove(name) }
        } catch {
            writer.abandon()
        }
    }

    public func file(_ id: FileID) -> StoredFile? { store.read { $0.files.files[id] } }

    /// Unlinks a blob if no file names it any more (after retention or erasure deleted files);
    /// on a cluster node the shared copy goes too (in the background: the callers are the
    /// maintenance run's and erasure's, which do not wait on Redis for it).
    public func release(_ sha256: String) {
        guard store.read({ $0.files.blobNames[sha256] == nil }) else { return }
        blobs.remove(sha256)
        if let shared { Task { try? await shared.remove(sha256) } }
    }

    /// Removes the blobs no file names (at start); returns how many.
    @discardableResult
    public func sweep() -> Int { blobs.sweep(keeping: Set(store.read { $0.files.blobNames.keys })) }
}

/// On a cluster node, a file deleted through another node (or an erased visitor's files) leaves
/// this node's copy of the bytes too: a sweep in the background removes what no file names.
extension FileLibrary: CommitObserver {
    public func didCommit(_ events: [CommittedEvent]) {
        let deletes = events.contains { committed in
            switch committed.event {
            case .fileDeleted, .visitorErased: true
            default: false
            }
        }
        if deletes { Task.detached(priority: .background) { [self] in _ = sweep() } }
    }
}
