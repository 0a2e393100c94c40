/// A knowledge-base document (codec v14): what was uploaded, and its text as the passages the
/// search index ranks. The uploaded bytes are not kept; the passages are what the index is
/// rebuilt from at start.
public struct KnowledgeDocument: Hashable, Sendable {
    public var id: KnowledgeDocumentID
    public var siteID: SiteID
    public var title: String
    public var category: String
    /// The client's file name, as given.
    public var fileName: String
    /// The format the text was extracted as: `pdf`, `docx`, `html`, `markdown` or `text`.
    public var format: String
    /// The uploaded file's size in bytes.
    public var size: UInt64
    /// The extracted text, split into passages (the units of search).
    public var passages: [String]
    public var uploadedBy: AgentID?
    public var createdAt: Timestamp

    public init(
        id: KnowledgeDocumentID, siteID: SiteID, title: String, category: String, fileName: String, format: String, size: UInt64,
        passages: [String], uploadedBy: AgentID?, createdAt: Timestamp
    ) {
        self.id = id
        self.siteID = siteID
        self.title = title
        self.category = category
        self.fileName = fileName
        self.format = format
        self.size = size
        self.passages = passages
        self.uploadedBy = uploadedBy
        self.createdAt = createdAt
    }

    /// The number of characters of extracted text.
    public var characters: Int { passages.reduce(0) { $0 + $1.count } }
}

/// The knowledge documents of every site: the state machine of records 36–37, composed by
/// ``ParleyState``. Codec v14.
public struct KnowledgeShelf: Sendable {
    public private(set) var documents: [KnowledgeDocumentID: KnowledgeDocument] = [:]
    /// The highest document id ever given (a deleted document's id is not handed out again).
    public private(set) var watermark: UInt64 = 0

    public init() {}

    public init(documents: [KnowledgeDocument], watermark: UInt64) {
        for document in documents { _ = add(document) }
        self.watermark = max(self.watermark, watermark)
    }

    /// A site's documents, oldest first.
    public func documents(of site: SiteID) -> [KnowledgeDocument] {
        documents.values.filter { $0.siteID == site }.sorted { $0.id < $1.id }
    }

    mutating func add(_ document: KnowledgeDocument) -> Bool {
        guard documents[document.id] == nil else { return false }
        documents[document.id] = document
        watermark = max(watermark, document.id.rawValue)
        return true
    }

    mutating func remove(_ id: KnowledgeDocumentID) -> Bool { documents.removeValue(forKey: id) != nil }
}
