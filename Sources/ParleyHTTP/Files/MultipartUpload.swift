import Hummingbird
import MultipartKit
import NIOCore
import ParleyStorage

/// Where the `file` part of an upload goes as it streams in.
protocol UploadSink: AnyObject {
    var size: UInt64 { get }
    func append(_ bytes: UnsafeRawBufferPointer) throws
    /// Drops what was written (an upload that failed).
    func abandon()
}

extension BlobWriter: UploadSink {}

/// An upload kept in memory (documents that are parsed whole, at most ``MultipartUpload``'s limit).
final class MemorySink: UploadSink {
    private(set) var bytes: [UInt8] = []
    var size: UInt64 { UInt64(bytes.count) }
    func append(_ bytes: UnsafeRawBufferPointer) throws { self.bytes += bytes }
    func abandon() { bytes = [] }
}

/// A `multipart/form-data` upload read as it streams: the `file` part into a sink (never more
/// than `limit` bytes: the rest of a larger body is not read), small text fields kept. Shared by
/// every route that takes a file (native files, widget uploads, knowledge documents).
final class MultipartUpload<Sink: UploadSink> {
    private(set) var sink: Sink?
    private(set) var filename: String?
    private(set) var fields: [String: String] = [:]
    private var current: String?
    private var failure: APIError?
    private let limit: UInt64
    private let makeSink: () throws -> Sink

    private init(limit: UInt64, makeSink: @escaping () throws -> Sink) {
        self.limit = limit
        self.makeSink = makeSink
    }

    /// Reads the whole body; throws the first problem (as the client's error) after dropping
    /// what was written. On return the `file` part is in ``sink``, or there was none.
    static func read(
        _ request: Request, limit: UInt64, tooLarge: String = "File size exceeds maximum limit of 10MB",
        makeSink: @escaping () throws -> Sink
    ) async throws -> MultipartUpload {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().hasPrefix("multipart/form-data"), let boundary = parameter("boundary", in: contentType),
            !boundary.isEmpty
        else { throw APIError.validation("the body must be multipart/form-data with a boundary") }
        let upload = MultipartUpload(limit: limit, makeSink: makeSink)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in upload.header(name, value) }
        parser.onBody = { buffer in upload.bytes(&buffer, tooLarge: tooLarge) }
        parser.onPartComplete = { upload.current = nil }
        do {
            reading: for try await var buffer in request.body {
                // In slices, yielding between them: a large buffer never holds a thread for long.
                while let slice = buffer.readSlice(length: min(buffer.readableBytes, 64 * 1024)), slice.readableBytes > 0 {
                    try parser.execute(slice)
                    if upload.failure != nil { break reading }  // stop reading: the rest never enters memory
                    await Task.yield()
                }
            }
        } catch {
            upload.sink?.abandon()
            if let failure = upload.failure { throw failure }
            throw APIError.validation("the multipart body is malformed")
        }
        if let failure = upload.failure {
            upload.sink?.abandon()
            throw failure
        }
        return upload
    }

    /// A part's `Content-Disposition` names it; the `file` part opens the sink (even an empty
    /// file has one).
    private func header(_ name: String, _ value: String) {
        guard failure == nil, name.lowercased() == "content-disposition" else { return }
        current = Self.parameter("name", in: value)
        guard current == "file" else { return }
        guard sink == nil else {
            failure = APIError.invalid("file", "is given twice")
            return
        }
        filename = Self.parameter("filename", in: value)
        do {
            sink = try makeSink()
        } catch {
            failure = APIError(.serviceUnavailable, code: "SERVICE_UNAVAILABLE", message: "the file could not be stored")
        }
    }

    private func bytes(_ buffer: inout ByteBuffer, tooLarge: String) {
        guard failure == nil, let name = current else { return }
        if name == "file" {
            guard let sink else { return }
            guard sink.size + UInt64(buffer.readableBytes) <= limit else {
                failure = APIError(.badRequest, code: "FILE_TOO_LARGE", message: tooLarge)
                return
            }
            do {
                try buffer.withUnsafeReadableBytes { try sink.append($0) }
            } catch {
                failure = APIError(.serviceUnavailable, code: "SERVICE_UNAVAILABLE", message: "the file could not be stored")
            }
        } else if (fields[name]?.utf8.count ?? 0) + buffer.readableBytes <= 1024 {
            fields[name, default: ""] += buffer.readString(length: buffer.readableBytes) ?? ""
        } else {
            failure = APIError.invalid(name, "is longer than 1024 bytes")
        }
    }

    static func parameter(_ key: String, in header: String) -> String? {
        for part in header.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard part.lowercased().hasPrefix(key + "=") else { continue }
            var value = String(part.dropFirst(key.count + 1))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }
}
