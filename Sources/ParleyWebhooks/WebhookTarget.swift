#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NIOPosix

/// A webhook URL taken apart and checked: `http` or `https`, a host, no credentials, and every
/// address the host resolves to allowed by the ``AddressPolicy``. Resolved again for every
/// attempt: the connection then goes to the address that was checked (DNS may have changed
/// since the URL was registered).
public struct WebhookTarget: Sendable, Hashable {
    public var scheme: String
    public var host: String
    public var port: Int
    /// The address the request connects to (checked).
    public var address: [UInt8]

    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// The scheme, host and port of `url`, before any lookup.
    public static func parse(_ url: String) throws(Refusal) -> (scheme: String, host: String, port: Int) {
        guard url.utf8.count <= 2048 else { throw Refusal(reason: "the URL is longer than 2048 bytes") }
        guard let schemeEnd = url.range(of: "://") else { throw Refusal(reason: "the URL must start with http:// or https://") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { throw Refusal(reason: "the URL must be http or https") }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { throw Refusal(reason: "the URL may not carry credentials") }
        guard !authority.isEmpty, !url.contains(where: { $0.isWhitespace }) else { throw Refusal(reason: "the URL has no host") }
        var host = String(authority)
        var port = scheme == "https" ? 443 : 80
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw Refusal(reason: "the URL's IPv6 host is not closed") }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                guard let number = Int(after.dropFirst()), (1...65535).contains(number) else { throw Refusal(reason: "the URL's port is not valid") }
                port = number
            } else if !after.isEmpty {
                throw Refusal(reason: "the URL's host is not valid")
            }
            host = String(host[...close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let number = Int(host[host.index(after: colon)...]), (1...65535).contains(number) else {
                throw Refusal(reason: "the URL's port is not valid")
            }
            port = number
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { throw Refusal(reason: "the URL has no host") }
        return (scheme, host.lowercased(), port)
    }

    /// Parses `url`, resolves its host and checks every address; the target uses the first.
    public static func resolve(_ url: String, policy: AddressPolicy) async throws -> WebhookTarget {
        let (scheme, host, port) = try parse(url)
        if let why = policy.refusal(host: host) { throw Refusal(reason: "\(host) is refused: \(why)") }
        let addresses: [[UInt8]]
        if let literal = AddressPolicy.literal(host) {
            addresses = [literal]
        } else {
            addresses = try await NIOThreadPool.singleton.runIfActive { try Self.lookUp(host) }
        }
        guard let first = addresses.first else { throw Refusal(reason: "\(host) does not resolve") }
        for address in addresses {
            if let why = policy.refusal(address) {
                throw Refusal(reason: "\(host) resolves to \(AddressPolicy.text(address)), \(why)")
            }
        }
        return WebhookTarget(scheme: scheme, host: host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host, port: port, address: first)
    }

    /// Every address `host` resolves to (blocking: run on the thread pool).
    static func lookUp(_ host: String) throws -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let list else { throw Refusal(reason: "\(host) does not resolve") }
        defer { freeaddrinfo(list) }
        var result: [[UInt8]] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = list
        while let entry = cursor?.pointee {
            if let socketAddress = entry.ai_addr {
                switch entry.ai_family {
                case AF_INET:
                    socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        var address = pointer.pointee.sin_addr
                        result.append(withUnsafeBytes(of: &address) { Array($0) })
                    }
                case AF_INET6:
                    socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        var address = pointer.pointee.sin6_addr
                        result.append(withUnsafeBytes(of: &address) { Array($0) })
                    }
                default: break
                }
            }
            cursor = entry.ai_next
        }
        return result
    }
}
