/// An optional field that is always written: `null` when there is no value, never a missing
/// key. Synthesized `Encodable` leaves `nil` optionals out; wire shapes whose keys are promised
/// (a seed's field that may be empty, like `last_seen` or `customer_satisfaction`) wrap them.
///
/// ```swift
/// struct AgentBody: Encodable { @ExplicitNull var last_seen: String? }  // {"last_seen":null}
/// ```
@propertyWrapper
public struct ExplicitNull<Value: Encodable & Sendable>: Encodable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
