import Hummingbird
import HummingbirdCore
import Testing

@testable import ParleyHTTP

/// The labels and redactions behind the metrics and request logs (issue 19), without a server.
@Suite struct ObservabilityUnitTests {
    @Test(arguments: [
        ("/v1/conversations/conv_1/messages", HTTPDialect.native),
        ("/v1/auth/support/login", .native),
        ("/v1/chats/42/messages", .operators),
        ("/v1/clients", .operators),
        ("/v1/operators?page=2", .operators),
        ("/v1/chatsy", .native),
        ("/operators/v1/openapi.yaml", .operators),
        ("/v1/projects/p-1/livechat/chats", .gateway),
        ("/gateway/v1/openapi.yaml", .gateway),
        ("/api/v1/conversations", .omni),
        ("/widget/v1/init", .omni),
        ("/api/shared/v1/chats", .chats),
        ("/admin/v1/status", .admin),
        ("/health", .other),
        ("/widget.js", .other),
    ])
    func pathsBelongToTheirDialect(_ path: String, _ dialect: HTTPDialect) {
        #expect(HTTPDialect(path: path) == dialect)
    }

    @Test func credentialsInAQueryAreNotLogged() {
        let uri = URI("/v1/files/file_1/download?token=eyJhbGciOi&size=small&Key=sk_live&sig=abc")
        #expect(RequestLogMiddleware<BasicRequestContext>.redacted(uri)
            == "/v1/files/file_1/download?token=[redacted]&size=small&Key=[redacted]&sig=[redacted]")
        #expect(RequestLogMiddleware<BasicRequestContext>.redacted(URI("/v1/conversations")) == "/v1/conversations")
    }

    @Test func requestIDsAreTakenWhenSensibleAndMadeOtherwise() {
        #expect(RequestIDMiddleware<BasicRequestContext>.accepted("trace-me-42") == "trace-me-42")
        #expect(RequestIDMiddleware<BasicRequestContext>.accepted("") == nil)
        #expect(RequestIDMiddleware<BasicRequestContext>.accepted("has space") == nil)
        #expect(RequestIDMiddleware<BasicRequestContext>.accepted(String(repeating: "a", count: 129)) == nil)
        let made = RequestIDMiddleware<BasicRequestContext>.make()
        #expect(made.count == 16 && made.allSatisfy(\.isHexDigit))
        #expect(made != RequestIDMiddleware<BasicRequestContext>.make())
    }
}
