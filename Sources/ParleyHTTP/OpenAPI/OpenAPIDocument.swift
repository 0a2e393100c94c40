import Foundation
import Hummingbird
import NIOCore
import Yams

/// The native dialect's OpenAPI 3.1 document (`docs/openapi/native.yaml`, shipped as a
/// resource), served as JSON at `GET /v1/openapi.json` and as YAML at `GET /v1/openapi.yaml`.
struct OpenAPIDocument: Sendable {
    let yaml: String
    let json: ByteBuffer

    /// Loads and converts the document once; a broken document stops the start-up loudly.
    static func native() throws -> OpenAPIDocument {
        guard let url = Bundle.module.url(forResource: "native", withExtension: "yaml") else {
            throw APIError(.internalServerError, code: "SERVER_ERROR", message: "the OpenAPI document is missing from the build")
        }
        let yaml = try String(contentsOf: url, encoding: .utf8)
        let object = try Yams.load(yaml: yaml) ?? [:]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return OpenAPIDocument(yaml: yaml, json: ByteBuffer(bytes: Array(data)))
    }

    func register(on group: RouterGroup<ParleyRequestContext>) {
        let json = json
        let yaml = yaml
        group.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: json))
        }
        group.get("openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: ResponseBody(byteBuffer: ByteBuffer(string: yaml)))
        }
    }
}
