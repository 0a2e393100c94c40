/// An uploaded file's metadata (codec v13): the bytes live in the data directory as a blob
/// named by their SHA-256 (``sha256``); the log holds this.
public struct StoredFile: Hashable, Sendable {
    public var id: FileID
    public var siteID: SiteID
    /// The client's file name, as given (for `Content-Disposition`).
    public var originalName: String
    /// Sniffed from the bytes, never taken from the client.
    public var contentType: String
    public var size: UInt64
    /// Hex SHA-256 of the bytes: the blob's name.
    public var sha256: String
    public var uploadedBy: Participant?
    public var conversationID: ConversationID?
    public var createdAt: Timestamp

    public init(
        id: FileID, siteID: SiteID, originalName: String, contentType: String, size: UInt64, sha256: String, uploadedBy: Participant?,
        conversationID: ConversationID?, createdAt: Timestamp
    ) {
        self.id = id
        self.siteID = siteID
        self.originalName = originalName
        self.contentType = contentType
        self.size = size
        self.sha256 = sha256
        self.uploadedBy = uploadedBy
        self.conversationID = conversationID
        self.createdAt = createdAt
    }

    public var isImage: Bool { contentType.hasPrefix("image/") }
}

/// The files of every site: the state machine of records 34–35, composed by ``ParleyState``.
/// It counts each blob's names (two uploads of the same bytes share one blob) and each site's
/// bytes (billing storage). Codec v13.
public struct FileShelf: Sendable {
    public private(set) var files: StateMap<FileID, StoredFile> = [:]
    /// How many files name each blob.
    public private(set) var blobNames: [String: Int] = [:]
    public private(set) var bytesBySite: [SiteID: UInt64] = [:]
    /// The highest file id ever stored (a deleted file's id is not handed out again).
    public private(set) var watermark: UInt64 = 0

    public init() {}

    public init(files: [StoredFile], watermark: UInt64) {
        for file in files { _ = add(file) }
        self.watermark = max(self.watermark, watermark)
    }

    mutating func add(_ file: StoredFile) -> Bool {
        guard files[file.id] == nil else { return false }
        files[file.id] = file
        blobNames[file.sha256, default: 0] += 1
        bytesBySite[file.siteID, default: 0] += file.size
        watermark = max(watermark, file.id.rawValue)
        return true
    }

    /// Removes a file; returns it, with whether its blob is now named by no file.
    mutating func remove(_ id: FileID) -> (file: StoredFile, blobUnused: Bool)? {
        guard let file = files.removeValue(forKey: id) else { return nil }
        let left = (blobNames[file.sha256] ?? 1) - 1
        blobNames[file.sha256] = left > 0 ? left : nil
        bytesBySite[file.siteID] = (bytesBySite[file.siteID] ?? file.size) - file.size
        return (file, left <= 0)
    }
}
