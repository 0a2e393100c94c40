import Foundation
public import Hummingbird
import HTTPTypes

/// The web clients served by the broker itself: the chat widget (`GET /widget.js`), the agent
/// console (`GET /console` and its script and style) and, with `parley serve --demo`, a demo
/// shop page that embeds the widget (`GET /demo`). Files are embedded in the binary; scripts and
/// styles are answered `304 Not Modified` when the browser's `If-None-Match` matches.
public struct WebClients<Context: RequestContext>: Sendable {
    /// The demo page, when the server runs with `--demo`.
    public let demo: DemoPage?

    public init(demo: DemoPage?) {
        self.demo = demo
    }

    public func register(on router: Router<Context>) {
        router.get("widget.js") { request, _ in Self.serve(.widget, headers: SecurityHeaders.widgetScript, request) }
        router.get("console") { request, _ in Self.serve(.consolePage, headers: SecurityHeaders.page, request) }
        router.get("console/console.js") { request, _ in Self.serve(.consoleScript, headers: SecurityHeaders.asset, request) }
        router.get("console/console.css") { request, _ in Self.serve(.consoleStyle, headers: SecurityHeaders.asset, request) }
        guard let demo else { return }
        router.get("demo") { request, _ in
            var headers = SecurityHeaders.page
            headers[.contentType] = WebAsset.demoPage.contentType
            let origin = "http://" + (request.head.authority ?? "127.0.0.1")
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: demo.render(origin: origin))))
        }
        router.get("demo/demo.css") { request, _ in Self.serve(.demoStyle, headers: SecurityHeaders.asset, request) }
    }

    static func serve(_ asset: WebAsset, headers: HTTPFields, _ request: Request) -> Response {
        var headers = headers
        headers[.eTag] = asset.etag
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: {
            $0.trimmingCharacters(in: .whitespaces) == asset.etag || $0.trimmingCharacters(in: .whitespaces) == "*"
        }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }
}
