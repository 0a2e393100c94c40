public import NIOCore
import Crypto

/// One file of the web clients, embedded in the binary: its bytes, its media type and a strong
/// validator (`ETag`, from the bytes' SHA-256) for conditional requests.
public struct WebAsset: Sendable {
    public let contentType: String
    public let body: ByteBuffer
    public let etag: String

    public init(_ bytes: [UInt8], contentType: String) {
        self.contentType = contentType
        self.body = ByteBuffer(bytes: bytes)
        let digest = SHA256.hash(data: bytes)
        self.etag = "\"" + digest.prefix(12).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined() + "\""
    }

    /// The text of the asset (the demo page is a template).
    public var text: String { String(buffer: body) }

    /// The widget, the agent console and the demo page, as built into this binary.
    public static let widget = WebAsset(PackageResources.widget_js, contentType: "text/javascript; charset=utf-8")
    public static let consolePage = WebAsset(PackageResources.console_html, contentType: "text/html; charset=utf-8")
    public static let consoleScript = WebAsset(PackageResources.console_js, contentType: "text/javascript; charset=utf-8")
    public static let consoleStyle = WebAsset(PackageResources.console_css, contentType: "text/css; charset=utf-8")
    public static let demoPage = WebAsset(PackageResources.demo_html, contentType: "text/html; charset=utf-8")
    public static let demoStyle = WebAsset(PackageResources.demo_css, contentType: "text/css; charset=utf-8")
}
