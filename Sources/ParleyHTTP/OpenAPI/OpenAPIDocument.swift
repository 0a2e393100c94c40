import Foundation
import Hummingbird
import NIOCore
import Yams

/// A dialect's OpenAPI 3.1 document (`docs/openapi/<name>.yaml`, shipped as a resource),
/// served as JSON at `openapi.json` and as YAML at `openapi.yaml` under the dialect's mount:
/// `/v1/…` (native), `/api/v1/…` (omni).
struct OpenAPIDocument: Sendable {
    let yaml: String
    let json: ByteBuffer

    static func native() throws -> OpenAPIDocument { try load("native") }
    static func omni() throws -> OpenAPIDocument { try load("omni") }

    /// Loads and converts the document once; a broken document stops the start-up loudly.
    static func load(_ name: String) throws -> OpenAPIDocument {
        guard let url = Bundle.module.url(forResource: name, withExtension: "yaml") else {
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
