import Foundation
import HTTPTypes
import Hummingbird
import MultipartKit
import NIOCore
import ParleyEngine
import ParleyModel
import ParleyStorage

/// Files (seed 004 §6): multipart upload streamed into a blob (never more than the limit in
/// memory or on disk), metadata, download with a `token` and byte ranges, delete.
struct NativeFilesController {
    let broker: Broker
    let files: FileLibrary
    let authentication: AuthenticationMiddleware

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.post("files/upload", use: upload)
        group.get("files/:file_id", use: get)
        group.get("files/:file_id/download", use: download)
        group.get("files/:file_id/thumbnail", use: thumbnail)
        group.delete("files/:file_id", use: delete)
    }

    struct FileBody: Encodable, Sendable {
        struct Uploader: Encodable, Sendable {
            var type: String
            var id: String
        }

        var id: String
        var filename: String
        var original_name: String
        var mime_type: String
        var size: UInt64
        var url: String
        /// An image's thumbnail (a JPEG at most 256 pixels on each side); `null` for other files.
        @ExplicitNull var thumbnail_url: String?
        var is_image: Bool
        var uploaded_by: Uploader?
        @ExplicitNull var conversation_id: String?
        var created_at: String
    }

    func body(_ file: StoredFile) -> FileBody {
        let ext = file.originalName.split(separator: ".").last.map { "." + $0.lowercased() } ?? ""
        let uploader: FileBody.Uploader? = broker.store.read { state in
            switch file.uploadedBy {
            case .visitor(let id)?: FileBody.Uploader(type: "visitor", id: NativeWire.visitorID(id, state: state))
            case .agent(let id)?: FileBody.Uploader(type: "support", id: NativeID.format(id))
            case nil: nil
            }
        }
        return FileBody(
            id: NativeID.format(file.id), filename: String(file.sha256.prefix(16)) + (ext.count <= 10 ? ext : ""),
            original_name: file.originalName, mime_type: file.contentType, size: file.size,
            url: "/v1/files/\(NativeID.format(file.id))/download",
            thumbnail_url: file.isImage ? "/v1/files/\(NativeID.format(file.id))/thumbnail" : nil, is_image: file.isImage, uploaded_by: uploader,
            conversation_id: file.conversationID.map(NativeID.format), created_at: file.createdAt.rfc3339)
    }

    @Sendable func upload(_ request: Request, context: ParleyRequestContext) async throws -> EditedResponse<NativeSuccess<FileBody>> {
        let principal = try context.requirePrincipal()
        if case .publicKey = principal { throw APIError.forbidden("a widget key cannot upload files") }
        // The agent or visitor; none for the secret key.
        let uploader = NativeScope.participant(principal)
        let stored = try await FileIntake.receive(request, files: files, site: principal.site, uploader: uploader) { fields in
            if let site = fields["site_id"] { _ = try NativeScope.site(site, principal: principal) }
            return try fields["conversation_id"].map {
                try NativeScope.conversation($0, principal: principal, broker: broker, includingGroupChats: true).id
            }
        }
        return EditedResponse(status: .created, response: NativeSuccess(body(stored)))
    }

    /// The file named in the path, if `principal` may read it: the site's agents (and key) any
    /// file of the site; a visitor the files it uploaded or that are in its conversations.
    func file(_ context: ParleyRequestContext, principal: Principal) throws -> StoredFile {
        let id: FileID = try NativeScope.id(context.parameters.get("file_id"), field: "file_id")
        guard let file = files.file(id), file.siteID == principal.site, Self.mayRead(file, principal, broker: broker) else {
            throw APIError.notFound("file")
        }
        return file
    }

    static func mayRead(_ file: StoredFile, _ principal: Principal, broker: Broker) -> Bool {
        switch principal {
        case .agent, .secretKey: return true
        case .publicKey: return false
        case .visitor(let visitor, _):
            if file.uploadedBy == .visitor(visitor) { return true }
            let logs = broker.store.read { state in
                (state.conversationsByVisitor[visitor] ?? []).compactMap { state.conversations[$0] }
                    .filter { $0.conversation.siteID == file.siteID }
            }
            // Outside the state's lock: an older message may be in cold history.
            return logs.contains { log in
                if file.conversationID == log.conversation.id || log.hotMessages.contains(where: { $0.fileID == file.id.rawValue }) {
                    return true
                }
                guard log.coldThrough > 0 else { return false }
                let cold = (try? log.messages(in: 1...log.coldThrough, cold: broker.store.history)) ?? []
                return cold.contains { $0.fileID == file.id.rawValue }
            }
        }
    }

    @Sendable func get(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<FileBody> {
        let principal = try context.requirePrincipal()
        return NativeSuccess(body(try file(context, principal: principal)))
    }

    /// The bytes, for a principal from the headers or the `token` parameter (an agent's access
    /// token or a visitor's session token, CONTRACT §7); `Range: bytes=a-b` is honoured.
    @Sendable func download(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let principal = try await downloader(request, context: context)
        let file = try file(context, principal: principal)
        let bytes: [UInt8]
        do {
            bytes = try await files.bytes(file.sha256)
        } catch {
            throw APIError(.serviceUnavailable, code: "SERVICE_UNAVAILABLE", message: "the file's bytes cannot be read")
        }
        // The type was sniffed once, at upload; it decides how the bytes may be served.
        let attachmentOnly = ContentSniffer.isAttachmentOnly(file.contentType)
        var headers = HTTPFields()
        headers[.contentType] = attachmentOnly ? "application/octet-stream" : file.contentType
        headers[.xContentTypeOptions] = "nosniff"
        headers[.contentSecurityPolicy] = "sandbox; default-src 'none'"
        headers[.acceptRanges] = "bytes"
        let inline = !attachmentOnly && (file.isImage || file.contentType == "application/pdf" || file.contentType == "text/plain")
        headers[.contentDisposition] = Self.disposition(inline ? "inline" : "attachment", name: file.originalName)
        if let range = request.headers[.range], let (start, end) = Self.range(range, size: bytes.count) {
            guard start <= end else {
                headers[.contentRange] = "bytes */\(bytes.count)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            }
            headers[.contentRange] = "bytes \(start)-\(end)/\(bytes.count)"
            return Response(status: .partialContent, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes[start...end])))
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The caller, from the headers or the `token` parameter (CONTRACT §7).
    private func downloader(_ request: Request, context: ParleyRequestContext) async throws -> Principal {
        if let principal = context.principal { return principal }
        guard let token = request.uri.queryParameters["token"].map(String.init) else { throw APIError.unauthorized("a token is required") }
        if let visitor = broker.accounts.visitor(forSession: token) { return .visitor(visitor.id, site: visitor.siteID) }
        if let agent = await authentication.agent(accessToken: token) { return agent }
        throw APIError.unauthorized("the download token is not valid")
    }

    /// An image's thumbnail (JPEG), for whoever may read the file (headers or `token`).
    @Sendable func thumbnail(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let principal = try await downloader(request, context: context)
        let file = try file(context, principal: principal)
        guard file.isImage, let bytes = await files.thumbnail(file.sha256) else { throw APIError.notFound("thumbnail") }
        var headers = HTTPFields()
        headers[.contentType] = "image/jpeg"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.cacheControl] = "private, max-age=86400"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// One `bytes=` range within `size` bytes; `(1, 0)` when it cannot be satisfied; `nil` to
    /// ignore the header (several ranges, another unit, malformed).
    static func range(_ header: String, size: Int) -> (Int, Int)? {
        guard header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst(6).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard spec.count == 2 else { return nil }
        switch (Int(spec[0]), Int(spec[1])) {
        case (let start?, let end?) where start <= end:
            return start < size ? (start, min(end, size - 1)) : (1, 0)
        case (let start?, nil) where spec[1].isEmpty:
            return start < size ? (start, size - 1) : (1, 0)
        case (nil, let suffix?) where spec[0].isEmpty:
            return suffix > 0 && size > 0 ? (max(size - suffix, 0), size - 1) : (1, 0)
        default:
            return nil
        }
    }

    static func disposition(_ kind: String, name: String) -> String {
        let ascii = String(name.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 32 ? Character($0) : "_" })
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "file"
        return "\(kind); filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }

    struct Deleted: ResponseEncodable, Sendable {
        var success = true
        var message = "File deleted successfully"
    }

    /// The site's agents, or the visitor who uploaded it.
    @Sendable func delete(_ request: Request, context: ParleyRequestContext) async throws -> Deleted {
        let principal = try context.requirePrincipal()
        let file = try file(context, principal: principal)
        if case .visitor(let visitor, _) = principal, file.uploadedBy != .visitor(visitor) {
            throw APIError.forbidden("a visitor deletes only the files it uploaded")
        }
        try await files.delete(file)
        return Deleted()
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
}
