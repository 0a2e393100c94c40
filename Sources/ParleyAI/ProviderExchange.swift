import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One JSON request to a hosted provider through async-http-client (the process's shared
/// client), with a deadline; failures become ``AIError``s that name the provider.
struct ProviderExchange: Sendable {
    var provider: String
    var timeout: Duration
    /// The most of an answer read (a model's reply is far smaller).
    static let maxAnswerBytes = 4 << 20

    /// POSTs `body` (JSON, or form fields) and decodes a 2xx answer as `Answer`.
    func post<Answer: Decodable>(
        _ url: String, headers: [(String, String)], json body: some Encodable, as: Answer.Type
    ) async throws(AIError) -> Answer {
        let bytes: Data
        do {
            bytes = try JSONEncoder().encode(body)
        } catch {
            throw .malformed(provider, "the request could not be encoded")
        }
        return try await send(url, headers: headers + [("Content-Type", "application/json")], body: Array(bytes), as: Answer.self)
    }

    func send<Answer: Decodable>(_ url: String, headers: [(String, String)], body: [UInt8], as: Answer.Type) async throws(AIError)
        -> Answer
    {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Parley-AI/1")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: Int
        let answer: ByteBuffer
        let retryAfter: Int?
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(Self.nanoseconds(timeout)))
            status = Int(response.status.code)
            retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0) }
            answer = try await response.body.collect(upTo: Self.maxAnswerBytes)
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: throw .timedOut(provider)
            default: throw .unreachable(provider)
            }
        } catch is NIOTooManyBytesError {
            throw .malformed(provider, "the answer is larger than \(Self.maxAnswerBytes >> 20) MiB")
        } catch {
            throw .unreachable(provider)
        }
        let text = String(buffer: answer)
        switch status {
        case 200..<300: break
        case 429: throw .rateLimited(provider, retryAfter: retryAfter)
        default: throw .rejected(provider, status: status, message: Self.errorMessage(text))
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: Data(answer.readableBytesView))
        } catch {
            throw .malformed(provider, "\(Self.brief(text))")
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// The provider's own error message when its body has one (`error.message`, `message`).
    static func errorMessage(_ body: String) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] {
            if let error = object["error"] as? [String: Any], let message = error["message"] as? String { return brief(message) }
            if let message = object["message"] as? String { return brief(message) }
            if let error = object["error"] as? String { return brief(error) }
        }
        return brief(body)
    }

    static func brief(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > 200 ? String(flat.prefix(200)) + "…" : (flat.isEmpty ? "(empty body)" : flat)
    }
}
