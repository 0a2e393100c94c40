import FuzzSupport
import NIOCore
@testable import ParleyHTTP

fuzzMain { fuzz($0, $1) }

/// libFuzzer's objects refer to this symbol; it is the same test.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzz(data, size) }

/// The REST request bodies of every dialect through the server's own decoder
/// (`ParleyRequestDecoder.decode`), the first byte choosing the body type: each decodes to a
/// value or fails with an `APIError` 400 — never another error, never a trap. Chats bodies go
/// on through `ChatFields`, whose own validation must also end in an `APIError`.
func fuzz(_ input: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = input else { return 0 }
    guard size >= 1 else { return 0 }
    let buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: data + 1, count: size - 1))
    let decoders = RequestBodies.all
    do {
        try decoders[Int(data[0]) % decoders.count](buffer)
    } catch is APIError {
    } catch {
        preconditionFailure("a request body failed with \(type(of: error)), not an APIError: \(error)")
    }
    return 0
}

enum RequestBodies {
    static func decode<T: Decodable>(_ type: T.Type) -> @Sendable (ByteBuffer) throws -> Void {
        { buffer in _ = try ParleyRequestDecoder.decode(type, from: buffer) }
    }

    static let all: [@Sendable (ByteBuffer) throws -> Void] = [
        { buffer in _ = try ChatFields(try ParleyRequestDecoder.decode(JSONValue.self, from: buffer)) },
        decode(GatewayController.OperatorMessageRequest.self),
        decode(NativeAgentsController.StatusRequest.self),
        decode(NativeAgentsController.TypingRequest.self),
        decode(NativeAnalysisController.MessageRequest.self),
        decode(NativeAuthController.LoginRequest.self),
        decode(NativeAuthController.RefreshRequest.self),
        decode(NativeConversationsController.AssignRequest.self),
        decode(NativeConversationsController.CloseRequest.self),
        decode(NativeConversationsController.CreateRequest.self),
        decode(NativeMessagesController.ReadRequest.self),
        decode(NativeMessagesController.SendRequest.self),
        decode(NativeNotificationsController.ReadRequest.self),
        decode(NativeVisitorsController.CreateRequest.self),
        decode(OmniAIController.GenerateRequest.self),
        decode(OmniAIController.UpdateRequest.self),
        decode(OmniAnalyticsController.ExportRequest.self),
        decode(OmniAuthController.AcceptInviteRequest.self),
        decode(OmniAuthController.LoginRequest.self),
        decode(OmniAuthController.RefreshRequest.self),
        decode(OmniAuthController.SignUpRequest.self),
        decode(OmniBillingController.ChangeRequest.self),
        decode(OmniChannelsController.UpdateRequest.self),
        decode(OmniConversationsController.AssignRequest.self),
        decode(OmniConversationsController.CreateRequest.self),
        decode(OmniCustomersController.IdentifyRequest.self),
        decode(OmniKnowledgeController.SearchRequest.self),
        decode(OmniMessagesController.SendRequest.self),
        decode(OmniTeamController.InviteRequest.self),
        decode(OmniTeamController.RoleRequest.self),
        decode(OmniTwoFactorController.CodeRequest.self),
        decode(OmniWebhooksController.CreateRequest.self),
        decode(OmniWebhooksController.UpdateRequest.self),
        decode(OperatorsController.ChatUpdate.self),
        decode(OperatorsController.OperatorRequest.self),
        decode(WidgetController.InitRequest.self),
        decode(WidgetController.RatingRequest.self),
        decode(WidgetController.SendRequest.self),
    ]
}
