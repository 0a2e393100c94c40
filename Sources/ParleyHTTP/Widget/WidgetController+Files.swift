import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// Widget uploads: the customer's files go into the one file store (``FileIntake``: streamed,
/// sniffed, allow-listed, fsynced before the answer) and are then sent with a message.
extension WidgetController {
    struct UploadedFile: Encodable, Sendable {
        var id: String
        var name: String
        var mime_type: String
        var size: UInt64
        var is_image: Bool
        /// The bytes: add `?token=<session_token>` (from `init`).
        var url: String
        @ExplicitNull var thumbnail_url: String?
        var created_at: String
    }

    static func body(_ file: StoredFile) -> UploadedFile {
        let native = NativeID.format(file.id)
        return UploadedFile(
            id: OmniID.format(file.id), name: file.originalName, mime_type: file.contentType, size: file.size, is_image: file.isImage,
            url: "/v1/files/\(native)/download", thumbnail_url: file.isImage ? "/v1/files/\(native)/thumbnail" : nil,
            created_at: file.createdAt.rfc3339)
    }

    /// `POST /widget/v1/files?api_key=…&session_id=…` with a multipart `file`: the key, origin and
    /// session are checked from the query before the body is read. 201 once the bytes are durable.
    @Sendable func upload(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<OmniData<UploadedFile>> {
        let query = request.uri.queryParameters
        let site = try site(apiKey: query["api_key"].map(String.init), request: request)
        let visitor = try visitor(site: site, sessionID: try Self.sessionID(query["session_id"].map(String.init)))
        let file = try await FileIntake.receive(request, files: files, site: site.id, uploader: .visitor(visitor.id)) { _ in
            broker.store.read { $0.openConversationByVisitor[visitor.id] }
        }
        return EditedResponse(status: .created, response: OmniData(Self.body(file)))
    }
}
