public import NIOSSL
import Synchronization

/// The server's certificate chain and private key (PEM files), reloadable: each new connection
/// takes the context current when it is accepted, and ``reload()`` (SIGHUP) reads the files
/// again, so a renewed certificate is served without a restart. A reload that fails keeps the
/// old context. TLS 1.2 or newer.
public final class TLSCertificates: Sendable {
    public let certificatePath: String
    public let keyPath: String
    private let context: Mutex<NIOSSLContext>

    public init(certificatePath: String, keyPath: String) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        context = Mutex(try Self.load(certificatePath: certificatePath, keyPath: keyPath))
    }

    /// The context for a connection accepted now.
    var current: NIOSSLContext { context.withLock { $0 } }

    /// Reads the files again; throws (keeping the old certificate) when they do not load.
    public func reload() throws {
        let loaded = try Self.load(certificatePath: certificatePath, keyPath: keyPath)
        context.withLock { $0 = loaded }
    }

    static func load(certificatePath: String, keyPath: String) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        return try NIOSSLContext(configuration: configuration)
    }
}
