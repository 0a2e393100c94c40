import Foundation
import Hummingbird
import ParleyEngine
import ParleyKnowledge
import ParleyModel

/// The knowledge base (seed 003): documents uploaded as PDF, DOCX, TXT, MD or HTML, their text
/// extracted and split into passages, and a ranked search over them (BM25 with Snowball
/// stemming, ``KnowledgeBase``). The site's team reads and searches; owners and admins (and
/// the `sk_` key) add and delete. Ids are omni UUIDs of kind 9.
struct OmniKnowledgeController {
    let knowledge: KnowledgeBase

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("knowledge/documents", use: list)
        group.post("knowledge/documents", use: create)
        group.get("knowledge/documents/:document_id", use: get)
        group.delete("knowledge/documents/:document_id", use: delete)
        group.post("knowledge/search", use: search)
    }

    struct DocumentBody: Encodable, Sendable {
        var id: String
        var title: String
        var category: String
        var file_name: String
        var format: String
        var size: UInt64
        var passages: Int
        var characters: Int
        @ExplicitNull var uploaded_by: String?
        var created_at: String
    }

    static func body(_ document: KnowledgeDocument) -> DocumentBody {
        DocumentBody(
            id: OmniID.format(document.id), title: document.title, category: document.category, file_name: document.fileName,
            format: document.format, size: document.size, passages: document.passages.count, characters: document.characters,
            uploaded_by: document.uploadedBy.map(OmniID.format), created_at: document.createdAt.rfc3339)
    }

    private func document(_ context: ParleyRequestContext, site: SiteID) throws -> KnowledgeDocument {
        let id: KnowledgeDocumentID = try OmniScope.id(context.parameters.get("document_id"), field: "document_id")
        guard let document = knowledge.document(id), document.siteID == site else { throw APIError.notFound("document") }
        return document
    }

    /// A document's answer: `category` filters, paging as every omni list.
    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws -> OmniList<DocumentBody, OmniMeta> {
        let site = try context.requireStaff()
        let paging = try OmniScope.Paging(request.uri.queryParameters)
        let category = request.uri.queryParameters["category"].map(String.init)
        let documents = knowledge.documents(of: site).filter { category == nil || $0.category == category }
        return OmniList(data: paging.slice(documents).map(Self.body), meta: paging.meta(total: documents.count))
    }

    @Sendable func create(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<OmniData<DocumentBody>> {
        let site = try context.requireManager("only owners and admins change the knowledge base")
        let upload = try await MultipartUpload.read(
            request, limit: UInt64(KnowledgeBase.maxBytes), tooLarge: "the document is larger than 10 MiB"
        ) { MemorySink() }
        guard let file = upload.sink else { throw APIError.invalid("file", "is required") }
        let fileName = String((upload.filename ?? "document").prefix(255))
        let title = (upload.fields["title"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let category = (upload.fields["category"] ?? "general").trimmingCharacters(in: .whitespacesAndNewlines)
        let finalTitle = title.isEmpty ? fileName : title
        guard finalTitle.count <= 200 else { throw APIError.invalid("title", "is longer than 200 characters") }
        guard !category.isEmpty, category.count <= 100 else { throw APIError.invalid("category", "must be 1 to 100 characters") }
        let agent: AgentID? = if case .agent(let id, _, _, _)? = context.principal { id } else { nil }
        do {
            let document = try await knowledge.add(
                site: site, title: finalTitle, category: category, fileName: fileName, bytes: file.bytes, by: agent)
            return EditedResponse(status: .created, response: OmniData(Self.body(document)))
        } catch let error as ExtractionError {
            switch error {
            case .unsupported:
                throw APIError(.unprocessableContent, code: "UNSUPPORTED_DOCUMENT", message: error.description)
            case .unparsable:
                throw APIError(.unprocessableContent, code: "UNPARSABLE_DOCUMENT", message: error.description)
            case .unavailable:
                throw APIError(.serviceUnavailable, code: "SERVICE_UNAVAILABLE", message: error.description)
            }
        }
    }

    @Sendable func get(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<DocumentBody> {
        OmniData(Self.body(try document(context, site: try context.requireStaff())))
    }

    @Sendable func delete(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let site = try context.requireManager("only owners and admins change the knowledge base")
        try await knowledge.delete(try document(context, site: site))
        return Response(status: .noContent)
    }

    struct SearchRequest: Decodable {
        var query: String
        var limit: Int?
        var category: String?
    }

    struct SearchResult: Encodable, Sendable {
        var document_id: String
        var title: String
        var category: String
        var content: String
        /// 0…1: how much of the query the passage covers, weighted by how rare each word is.
        var score: Double
    }

    struct SearchAnswer: Encodable, Sendable {
        var results: [SearchResult]
    }

    @Sendable func search(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<SearchAnswer> {
        let site = try context.requireStaff()
        let body = try await request.decode(as: SearchRequest.self, context: context)
        let query = body.query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty, query.count <= 1000 else { throw APIError.invalid("query", "must be 1 to 1000 characters") }
        let limit = body.limit ?? 5
        guard (1...50).contains(limit) else { throw APIError.invalid("limit", "must be from 1 to 50") }
        // A category filter looks further down the ranking so that the limit can still be met.
        let hits = knowledge.search(site: site, query: query, limit: body.category == nil ? limit : 1000)
            .filter { body.category == nil || $0.document.category == body.category }
            .prefix(limit)
        return OmniData(
            SearchAnswer(
                results: hits.map {
                    SearchResult(
                        document_id: OmniID.format($0.document.id), title: $0.document.title, category: $0.document.category,
                        content: $0.passage, score: ($0.relevance * 1000).rounded() / 1000)
                }))
    }
}
