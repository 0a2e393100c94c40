import Foundation
public import ParleyEngine
public import ParleyModel
import ParleyStorage
import ParleyWebhooks

/// A webhook delivery's body (seed 003): `{"id", "event", "timestamp", "data"}`, `data`
/// holding the omni objects — the conversation as it was when the event happened, the
/// message, or the customer.
public enum OmniWebhookPayload {
    struct Body<Payload: Encodable>: Encodable {
        var id: String
        var event: String
        var timestamp: String
        var data: Payload
    }

    struct ConversationData: Encodable { var conversation: OmniWire.Conversation }
    struct MessageData: Encodable {
        var conversation_id: String
        var message: OmniWire.Message
    }
    struct CustomerData: Encodable { var customer: OmniWire.Customer }
    struct PingData: Encodable {
        var webhook_id: String
        var message: String
    }

    /// The body's bytes; `nil` when what the event is about no longer exists.
    public static func render(_ delivery: WebhookDelivery, broker: Broker) -> [UInt8]? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func body<Payload: Encodable>(_ data: Payload) -> [UInt8]? {
            let body = Body(
                id: WebhookPayload.eventID(delivery.eventID), event: delivery.event.name, timestamp: delivery.occurredAt.rfc3339,
                data: data)
            return (try? encoder.encode(body)).map(Array.init)
        }
        switch delivery.subject {
        case .conversation(let header):
            let conversation: OmniWire.Conversation? = broker.store.read { state in
                guard var log = state.conversations[header.id] else { return nil }
                log.conversation = header  // as it was when the event happened
                return OmniWire.conversation(log, reader: nil, state: state, cold: broker.store.history)
            }
            return conversation.flatMap { body(ConversationData(conversation: $0)) }
        case .message(let message):
            return body(MessageData(conversation_id: OmniID.format(message.conversationID), message: OmniWire.message(message)))
        case .customer(let id):
            let customer: OmniWire.Customer? = broker.store.read { state in
                guard let visitor = state.visitors[id] else { return nil }
                let conversations = state.conversationsByVisitor[id]?.count ?? 0
                return OmniWire.customer(
                    visitor, userID: state.identities.userIDs[id], conversations: conversations, presence: broker.presence)
            }
            return customer.flatMap { body(CustomerData(customer: $0)) }
        case .ping:
            return body(PingData(webhook_id: OmniID.format(delivery.webhookID), message: "ping"))
        }
    }
}
