public import ParleyModel

/// The parts of a delivery's body that are the same for every dialect: the event id's text.
public enum WebhookPayload {
    /// `evt_<n>`: the event's stable id (`X-Webhook-Id` and the body's `id`).
    public static func eventID(_ id: UInt64) -> String { "evt_\(id)" }
}
