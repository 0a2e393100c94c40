/// A website visitor who chats through the widget.
public struct Visitor: Hashable, Sendable {
    public var id: VisitorID
    public var siteID: SiteID
    /// The client-generated `visitor_id` (e.g. `v_uuid_12345`), unique per site, kept as given.
    public var externalID: String
    public var name: String
    public var email: String?
    public var phone: String?
    /// Free-form metadata as the client sent it (a JSON object's text).
    public var metadataJSON: String?
    public var firstSeenAt: Timestamp
    public var lastSeenAt: Timestamp
    /// The LSN of the last log record applied to this entity.
    public var lastLSN: UInt64

    public init(
        id: VisitorID, siteID: SiteID, externalID: String, name: String, email: String? = nil,
        phone: String? = nil, metadataJSON: String? = nil, firstSeenAt: Timestamp, lastSeenAt: Timestamp,
        lastLSN: UInt64 = 0
    ) {
        self.id = id
        self.siteID = siteID
        self.externalID = externalID
        self.name = name
        self.email = email
        self.phone = phone
        self.metadataJSON = metadataJSON
        self.firstSeenAt = firstSeenAt
        self.lastSeenAt = lastSeenAt
        self.lastLSN = lastLSN
    }
}
