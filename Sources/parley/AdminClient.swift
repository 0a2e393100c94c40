import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOFoundationCompat
import ParleyHTTP

/// `parley admin` talking to a running server through its admin API (docs/api/admin.md).
struct AdminClient {
    let base: String
    let token: String
    /// A certificate to trust (the server's own, from its `server.json`), host name unchecked.
    let trustedCertificate: String?

    /// A failure as the server's native error body says it: usage errors (validation) exit 2.
    struct Failure: Decodable {
        struct Detail: Decodable {
            var code: String
            var message: String
        }

        var error: Detail
    }

    struct Success<Payload: Decodable>: Decodable {
        var data: Payload
    }

    func withClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5)))
        if let trustedCertificate {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(trustedCertificate)
            tls.certificateVerification = .noHostnameVerification
            configuration.tlsConfiguration = tls
        }
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            let result = try await body(client)
            try? await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func request(_ method: HTTPMethod, _ path: String, body: (some Encodable)?) throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: base.trimmingSuffix("/") + "/admin/v1" + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "User-Agent", value: "parley-admin")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        }
        return request
    }

    /// One call; the `data` of a success, or a ``CLIFailure`` with the server's code and message.
    func call<Output: Decodable>(_ method: HTTPMethod, _ path: String, body: (some Encodable)? = nil as String?) async throws -> Output {
        try await withClient { client in
            let response = try await execute(client, try request(method, path, body: body), timeout: .seconds(120))
            let bytes = try await response.body.collect(upTo: 16 << 20)
            try Self.check(response.status, bytes)
            do {
                return try JSONDecoder().decode(Success<Output>.self, from: Data(buffer: bytes)).data
            } catch {
                throw CLIFailure(message: "the server's answer cannot be read: \(error)")
            }
        }
    }

    /// A streamed call (`seed`): `line` is given each line of the body as it arrives.
    func stream(_ path: String, body: some Encodable, line: (Substring) throws -> Void) async throws {
        try await withClient { client in
            let response = try await execute(client, try request(.POST, path, body: body), timeout: .hours(24))
            guard response.status == .ok else {
                try Self.check(response.status, try await response.body.collect(upTo: 1 << 20))
                return
            }
            var pending = ""
            for try await chunk in response.body {
                pending += String(buffer: chunk)
                // Whole lines now; the unfinished last one waits for the next chunk.
                var lines = pending.split(separator: "\n", omittingEmptySubsequences: false)
                pending = String(lines.removeLast())
                for complete in lines { try line(complete) }
            }
            if !pending.isEmpty { try line(pending[...]) }
        }
    }

    func execute(_ client: HTTPClient, _ request: HTTPClientRequest, timeout: TimeAmount) async throws -> HTTPClientResponse {
        do {
            return try await client.execute(request, timeout: timeout)
        } catch {
            throw CLIFailure(message: "cannot reach the server at \(base): \(error)")
        }
    }

    static func check(_ status: HTTPResponseStatus, _ bytes: ByteBuffer) throws {
        guard !(200..<300).contains(status.code) else { return }
        guard let failure = try? JSONDecoder().decode(Failure.self, from: Data(buffer: bytes)) else {
            throw CLIFailure(message: "the server answered HTTP \(status.code)")
        }
        throw CLIFailure(
            message: "\(failure.error.code): \(failure.error.message)", exitCode: failure.error.code == "VALIDATION_ERROR" ? 2 : 1)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
