import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// A WebSocket client written against the bare socket, for what a well-behaved client library
/// will not do: never read (a stalled consumer), or break the protocol (unmasked frames,
/// reserved opcodes, invalid UTF-8, odd fragmentation). Blocking I/O with a receive timeout.
final class RawWebSocket: Sendable {
    let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    struct SocketError: Error {}

    /// Connects and completes the handshake. `receiveBuffer` shrinks the kernel buffer (for
    /// the stalled consumer); the handshake answer is read only when `readHandshake`.
    static func connect(
        port: Int, path: String, receiveBuffer: Int32? = nil, readHandshake: Bool = true, headers: [String: String] = [:]
    ) async throws -> RawWebSocket {
        guard let descriptor = connectLoopback(port: port, receiveTimeoutSeconds: 5, receiveBuffer: receiveBuffer) else { throw SocketError() }
        let socket = RawWebSocket(descriptor: descriptor)
        socket.write(Array(
            ("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + headers.map { "\($0.key): \($0.value)\r\n" }.joined()
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8))
        if readHandshake {
            let answered = await socket.offPool { socket in
                var head: [UInt8] = []
                while !head.ends(with: [13, 10, 13, 10]) {
                    guard let byte = socket.read(1).first else { return false }
                    head.append(byte)
                }
                return true
            }
            guard answered else { throw SocketError() }
        } else {
            try await Task.sleep(for: .milliseconds(300))
        }
        return socket
    }

    func write(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Up to `count` bytes (fewer at end of stream or timeout).
    func read(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count {
            var chunk = [UInt8](repeating: 0, count: count - bytes.count)
            let got = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard got > 0 else { break }
            bytes += chunk.prefix(got)
        }
        return bytes
    }

    /// Sends one frame; client frames are masked unless told otherwise.
    func sendFrame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true, masked: Bool = true) {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            frame.append(maskBit | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(maskBit | 127)
            frame += (0..<8).reversed().map { UInt8((UInt64(payload.count) >> (UInt64($0) * 8)) & 0xFF) }
        }
        if masked {
            let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
            frame += mask
            frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        } else {
            frame += payload
        }
        write(frame)
    }

    /// The next server frame, or `nil` when the connection ended or nothing came in 5 s.
    func readFrame() -> (opcode: UInt8, payload: [UInt8])? {
        let head = read(2)
        guard head.count == 2 else { return nil }
        var length = Int(head[1] & 0x7F)
        if length == 126 {
            let extended = read(2)
            guard extended.count == 2 else { return nil }
            length = Int(extended[0]) << 8 | Int(extended[1])
        } else if length == 127 {
            let extended = read(8)
            guard extended.count == 8 else { return nil }
            length = extended.reduce(0) { $0 << 8 | Int($1) }
        }
        let payload = read(length)
        guard payload.count == length else { return nil }
        return (head[0] & 0x0F, payload)
    }

    /// Runs blocking socket work on a Dispatch thread, never on the cooperative pool (which the
    /// in-process server under test needs).
    func offPool<T: Sendable>(_ work: @escaping @Sendable (RawWebSocket) -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work(self)) }
        }
    }

    /// Reads until a close frame; returns its code (`nil` if the connection ended without one).
    func closeCode() async -> UInt16? { await offPool { $0.blockingCloseCode() } }

    /// The next text frame's text.
    func readText() async -> String? { await offPool { $0.blockingReadText() } }

    /// The next text frame's text, skipping control frames.
    func nextText() async -> String? { await offPool { $0.blockingNextText() } }

    private func blockingNextText() -> String? {
        while let frame = readFrame() {
            if frame.opcode == 0x1 { return String(decoding: frame.payload, as: UTF8.self) }
        }
        return nil
    }

    private func blockingCloseCode() -> UInt16? {
        while let frame = readFrame() {
            if frame.opcode == 0x8 {
                return frame.payload.count >= 2 ? UInt16(frame.payload[0]) << 8 | UInt16(frame.payload[1]) : nil
            }
        }
        return nil
    }

    private func blockingReadText() -> String? {
        while let frame = readFrame() {
            if frame.opcode == 0x1 { return String(decoding: frame.payload, as: UTF8.self) }
            if frame.opcode == 0x8 { return nil }
        }
        return nil
    }

    func close() { _ = Glibc.close(descriptor) }
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}

/// A blocking TCP socket connected to 127.0.0.1:`port`, whose reads give up after
/// `receiveTimeoutSeconds`; `receiveBuffer` shrinks the kernel's buffer. `nil` when it cannot connect.
func connectLoopback(port: Int, receiveTimeoutSeconds: Int, receiveBuffer: Int32? = nil) -> Int32? {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    if var size = receiveBuffer {
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }
    var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
        close(descriptor)
        return nil
    }
    return descriptor
}
