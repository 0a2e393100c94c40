import Dispatch
import Foundation
import ParleyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One `parley serve --redis` process of the cluster tests, with its port and data directory.
struct ClusterNodeProcess {
    var process: Process
    var port: Int
    var data: String

    static func start(redis: Int, data: String = ParleyBinary.temporaryDirectory("cluster-node"), extra: [String] = []) async throws -> Self {
        let (process, port) = try await ParleyBinary.serve(
            ["--data-dir", data, "--bcrypt-cost", "4", "--rate-limits", "off", "--redis", "redis://127.0.0.1:\(redis)"] + extra)
        return Self(process: process, port: port, data: data)
    }

    /// Kills every node still running and removes the data directories.
    static func stop(_ nodes: [Self]) {
        for node in nodes where node.process.isRunning { kill(node.process.processIdentifier, SIGKILL) }
        for node in nodes { try? FileManager.default.removeItem(atPath: node.data) }
    }

    /// A JSON request; the answer's status, `data` (or the whole body) and headers.
    static func call(
        _ port: Int, _ method: String, _ path: String, _ body: [String: Any]? = nil, visitor: String? = nil, headers: [String: String] = [:]
    ) async throws -> (Int, [String: Any], [AnyHashable: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 20
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let visitor { request.setValue(visitor, forHTTPHeaderField: "X-Visitor-Token") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        let http = response as? HTTPURLResponse
        return (http?.statusCode ?? 0, json["data"] as? [String: Any] ?? json, http?.allHeaderFields ?? [:])
    }
}

extension ClusterNodeProcess {
    /// One answer of ``simultaneousPosts(_:path:body:headers:)``.
    struct RawAnswer: Sendable {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]

        var json: [String: Any] {
            let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
            return object["data"] as? [String: Any] ?? object
        }
    }

    /// The same `POST` to each port at one moment: every request is written but its last byte
    /// first, then the last bytes one after another, so the nodes take them within microseconds
    /// of each other (a client library staggers them by its own scheduling). Blocking sockets,
    /// on a Dispatch thread.
    static func simultaneousPosts(_ ports: [Int], path: String, body: String, headers: [String: String]) async -> [RawAnswer?] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let sockets = ports.map { connectLoopback(port: $0, receiveTimeoutSeconds: 20) ?? -1 }
                defer { for descriptor in sockets { close(descriptor) } }
                let requests = ports.map { port in
                    Array(
                        ("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
                            + headers.map { "\($0.key): \($0.value)\r\n" }.joined() + "\r\n" + body).utf8)
                }
                func write(_ descriptor: Int32, _ bytes: ArraySlice<UInt8>) {
                    _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
                for (descriptor, request) in zip(sockets, requests) { write(descriptor, request.dropLast()) }
                usleep(50_000)
                for (descriptor, request) in zip(sockets, requests) { write(descriptor, request.suffix(1)) }
                continuation.resume(returning: sockets.map(Self.readAnswer))
            }
        }
    }

    /// Reads one HTTP/1.1 answer with a `Content-Length` (what the server sends for JSON).
    private static func readAnswer(_ descriptor: Int32) -> RawAnswer? {
        var received: [UInt8] = []
        func more() -> Bool {
            var chunk = [UInt8](repeating: 0, count: 16_384)
            let got = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard got > 0 else { return false }
            received += chunk.prefix(got)
            return true
        }
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            guard more() else { return nil }
            headEnd = received.indices.dropLast(3).first { Array(received[$0..<$0 + 4]) == separator }
        }
        let head = String(decoding: received[..<headEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        guard let status = head.first?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while received.count < headEnd! + 4 + length { guard more() else { return nil } }
        return RawAnswer(status: status, headers: headers, body: Array(received[(headEnd! + 4)..<(headEnd! + 4 + length)]))
    }
}
