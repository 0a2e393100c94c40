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
        Self.getAndHead("widget.js", on: router) { Self.serve(.widget, headers: SecurityHeaders.widgetScript, $0) }
        Self.getAndHead("console", on: router) { Self.serve(.consolePage, headers: SecurityHeaders.page, $0) }
        Self.getAndHead("console/console.js", on: router) { Self.serve(.consoleScript, headers: SecurityHeaders.asset, $0) }
        Self.getAndHead("console/console.css", on: router) { Self.serve(.consoleStyle, headers: SecurityHeaders.asset, $0) }
        guard let demo else { return }
        Self.getAndHead("demo", on: router) { request in
            var headers = SecurityHeaders.page
            headers[.contentType] = WebAsset.demoPage.contentType
            let origin = "http://" + (request.head.authority ?? "127.0.0.1")
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: demo.render(origin: origin))))
        }
        Self.getAndHead("demo/demo.css", on: router) { Self.serve(.demoStyle, headers: SecurityHeaders.asset, $0) }
    }

    /// Registers `answer` for GET and for HEAD (RFC 9110 §9.3.2: the same status and headers,
    /// `Content-Length` included, without the body), so link checkers and caches that probe
    /// with HEAD see the page rather than a 404.
    static func getAndHead(_ path: RouterPath, on router: Router<Context>, _ answer: @escaping @Sendable (Request) -> Response) {
        router.get(path) { request, _ in answer(request) }
        router.head(path) { request, _ in
            var response = answer(request)
            let length = response.body.contentLength
            response.body = ResponseBody()
            if let length { response.headers[.contentLength] = String(length) }
            return response
        }
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
