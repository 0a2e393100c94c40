#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which addresses a webhook may call (no server-side request forgery): public unicast only —
/// never loopback, private, shared (CGNAT), link-local (with the cloud metadata service),
/// multicast, reserved, documentation or unspecified addresses, in IPv4 or IPv6 (IPv4 inside
/// IPv6 is judged as IPv4). `allowPrivate` (`--allow-private-webhooks`) lifts the rule for
/// tests and private deployments. Checked at registration and again for every attempt, on the
/// address the connection then uses.
public struct AddressPolicy: Sendable, Hashable {
    public var allowPrivate: Bool

    public init(allowPrivate: Bool = false) {
        self.allowPrivate = allowPrivate
    }

    /// Host names refused whatever they resolve to (cloud metadata services).
    static let refusedNames: Set<String> = ["metadata.google.internal", "metadata", "instance-data", "metadata.azure.internal"]

    /// Why `address` (4 or 16 bytes) may not be called; `nil` when it may.
    public func refusal(_ address: [UInt8]) -> String? {
        guard !allowPrivate else { return nil }
        if address.count == 16 {
            let v4Mapped = address.prefix(10).allSatisfy { $0 == 0 } && address[10] == 0xff && address[11] == 0xff
            let nat64 = address.prefix(12).elementsEqual([0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])
            if v4Mapped || nat64 { return refusal(Array(address.suffix(4))) }
            return Self.v6Refused.first { Self.matches(address, $0.prefix, $0.bits) }?.why
        }
        guard address.count == 4 else { return "not an IP address" }
        return Self.v4Refused.first { Self.matches(address, $0.prefix, $0.bits) }?.why
    }

    /// Why the host name may not be called, before it is resolved.
    public func refusal(host: String) -> String? {
        guard !allowPrivate else { return nil }
        let name = host.lowercased().trimmingSuffix(".")
        if Self.refusedNames.contains(name) { return "a cloud metadata host" }
        if name == "localhost" || name.hasSuffix(".localhost") { return "a loopback host" }
        return nil
    }

    private static func matches(_ address: [UInt8], _ prefix: [UInt8], _ bits: Int) -> Bool {
        var remaining = bits
        for (index, byte) in prefix.enumerated() where remaining > 0 {
            let take = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - take))
            if address[index] & mask != byte & mask { return false }
            remaining -= take
        }
        return true
    }

    private static let v4Refused: [(prefix: [UInt8], bits: Int, why: String)] = [
        ([0, 0, 0, 0], 8, "an unspecified (\"this network\") address"),
        ([10, 0, 0, 0], 8, "a private address"),
        ([100, 64, 0, 0], 10, "a shared (carrier-grade NAT) address"),
        ([127, 0, 0, 0], 8, "a loopback address"),
        ([169, 254, 0, 0], 16, "a link-local address (the cloud metadata service lives there)"),
        ([172, 16, 0, 0], 12, "a private address"),
        ([192, 0, 0, 0], 24, "a protocol-assignment address"),
        ([192, 0, 2, 0], 24, "a documentation address"),
        ([192, 88, 99, 0], 24, "a relay address"),
        ([192, 168, 0, 0], 16, "a private address"),
        ([198, 18, 0, 0], 15, "a benchmarking address"),
        ([198, 51, 100, 0], 24, "a documentation address"),
        ([203, 0, 113, 0], 24, "a documentation address"),
        ([224, 0, 0, 0], 4, "a multicast address"),
        ([240, 0, 0, 0], 4, "a reserved or broadcast address"),
    ]

    private static let v6Refused: [(prefix: [UInt8], bits: Int, why: String)] = [
        ([UInt8](repeating: 0, count: 16), 128, "the unspecified address"),
        ([UInt8](repeating: 0, count: 15) + [1], 128, "a loopback address"),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 96, "an IPv4-compatible address"),
        ([0x01, 0x00, 0, 0, 0, 0, 0, 0], 64, "a discard-only address"),
        ([0x20, 0x01, 0x0d, 0xb8], 32, "a documentation address"),
        ([0x20, 0x02], 16, "a 6to4 address"),
        ([0xfc], 7, "a unique-local (private) address"),
        ([0xfe, 0x80], 10, "a link-local address"),
        ([0xfe, 0xc0], 10, "a site-local address"),
        ([0xff], 8, "a multicast address"),
    ]

    /// The bytes of an IP address literal (`192.0.2.1`, `2001:db8::1`, `[::1]`), or `nil`.
    public static func literal(_ text: String) -> [UInt8]? {
        var host = text
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// The text form of 4 or 16 address bytes.
    public static func text(_ address: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = address.count == 4 ? AF_INET : AF_INET6
        _ = address.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
