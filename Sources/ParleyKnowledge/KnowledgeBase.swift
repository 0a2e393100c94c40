public import ParleyModel
public import ParleyStorage
import Synchronization

/// The knowledge base: documents in the log (as their extracted passages), and a BM25 index
/// per site over them, built from the state at start and kept current by this type's own
/// writes. Searches read the index under its lock; nothing here blocks on I/O but the log.
public final class KnowledgeBase: Sendable {
    /// The largest upload (as for files: 10 MiB).
    public static let maxBytes = 10 << 20

    public struct Hit: Sendable, Equatable {
        public var document: KnowledgeDocument
        public var passage: String
        public var score: Double
        /// 0…1: how much of the query the passage covers (``BM25Index``).
        public var relevance: Double
    }

    public let extractor: TextExtractor
    private let store: EventStore
    private let ids: IDCounter
    private let indexes: Mutex<[SiteID: BM25Index]>

    public init(store: EventStore, extractor: TextExtractor = TextExtractor()) {
        self.store = store
        self.extractor = extractor
        let (documents, watermark) = store.read { ($0.knowledge.documents.values.sorted { $0.id < $1.id }, $0.knowledge.watermark) }
        ids = IDCounter("knowledge-document", after: watermark, cluster: store.cluster)
        var indexes: [SiteID: BM25Index] = [:]
        let analyzer = TermAnalyzer()
        for document in documents {
            indexes[document.siteID, default: BM25Index()].add(
                document: document.id.rawValue, passages: document.passages, terms: document.passages.map { analyzer.terms($0) })
        }
        self.indexes = Mutex(indexes)
    }

    /// Reads, splits and logs a document; throws ``ExtractionError`` for a file that gives no text.
    public func add(
        site: SiteID, title: String, category: String, fileName: String, bytes: [UInt8], by agent: AgentID?
    ) async throws -> KnowledgeDocument {
        let format = try DocumentFormat.detect(bytes, fileName: fileName)
        let text = try await extractor.text(bytes, format: format)
        let passages = PassageSplitter.split(text)
        let analyzer = TermAnalyzer()
        let terms = passages.map { analyzer.terms($0) }
        let id = try await ids.next()
        let document = KnowledgeDocument(
            id: KnowledgeDocumentID(id), siteID: site, title: title, category: category, fileName: fileName, format: format.rawValue, size: UInt64(bytes.count),
            passages: passages, uploadedBy: agent, createdAt: .now())
        _ = try await store.commit(.knowledgeDocumentAdded(document))
        indexes.withLock { indexes in
            // A delete that committed in between has already happened: the document stays out.
            guard store.read({ $0.knowledge.documents[document.id] != nil }) else { return }
            indexes[site, default: BM25Index()].add(document: document.id.rawValue, passages: passages, terms: terms)
        }
        return document
    }

    public func delete(_ document: KnowledgeDocument) async throws {
        _ = try await store.commit(.knowledgeDocumentDeleted(document.id, at: .now()))
        indexes.withLock { $0[document.siteID]?.remove(document: document.id.rawValue) }
    }

    public func document(_ id: KnowledgeDocumentID) -> KnowledgeDocument? { store.read { $0.knowledge.documents[id] } }

    public func documents(of site: SiteID) -> [KnowledgeDocument] { store.read { $0.knowledge.documents(of: site) } }

    /// The best `limit` passages of the site's documents for `query`, best first.
    public func search(site: SiteID, query: String, limit: Int) -> [Hit] {
        let terms = TermAnalyzer().terms(query)
        let hits = indexes.withLock { $0[site]?.search(terms: terms, limit: limit) ?? [] }
        return store.read { state in
            hits.compactMap { hit in
                state.knowledge.documents[KnowledgeDocumentID(hit.document)].map {
                    Hit(document: $0, passage: hit.text, score: hit.score, relevance: hit.relevance)
                }
            }
        }
    }
}
