import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// An upload into the one file store, for every route that takes files (native files, widget
/// uploads): the multipart body streamed into a blob (at most ``FileLibrary/maxBytes``), the
/// type sniffed from the bytes and held against the allow-list, the caller's own checks on the
/// other fields, then the blob fsynced into place and the file logged.
enum FileIntake {
    /// `conversation` sees the upload's small fields and answers the conversation the file
    /// belongs to (or throws, refusing the upload).
    static func receive(
        _ request: Request, files: FileLibrary, site: SiteID, uploader: Participant?,
        conversation: ([String: String]) throws -> ConversationID?
    ) async throws -> StoredFile {
        let parts = try await MultipartUpload.read(request, limit: FileLibrary.maxBytes) { try files.blobs.begin() }
        guard let writer = parts.sink else { throw APIError.invalid("file", "is required") }
        let finished: (sha256: String, contentType: String)
        let owner: ConversationID?
        do {
            let contentType = ContentSniffer.sniff(writer.head, name: parts.filename ?? "")
            guard files.allowedTypes.contains(contentType) else {
                throw APIError(.badRequest, code: "INVALID_FILE_TYPE", message: "File type \(contentType) is not allowed")
            }
            owner = try conversation(parts.fields)
            finished = (try writer.finish(), contentType)
        } catch {
            writer.abandon()
            throw error
        }
        return try await files.add(
            site: site, name: String((parts.filename ?? "file").prefix(255)), contentType: finished.contentType, size: writer.size,
            sha256: finished.sha256, by: uploader, conversation: owner)
    }
}
