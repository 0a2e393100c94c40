/// A site's widget channel (omni `GET /api/v1/channels`): its name and the browser origins the
/// widget may run on. The widget's colour and texts live on the ``Site`` (`widget`), which
/// the native dialect shows too. Codec v6.
public struct WidgetChannel: Hashable, Sendable {
    public var siteID: SiteID
    public var name: String
    /// `scheme://host[:port]` origins whose pages may open visitor sessions and call the widget
    /// API; empty accepts any origin (the visitor's session token is the credential).
    public var allowedOrigins: [String]
    public var updatedAt: Timestamp
    /// The LSN of the last record applied to it.
    public var lastLSN: UInt64

    public static let defaultName = "Website widget"

    public init(siteID: SiteID, name: String, allowedOrigins: [String], updatedAt: Timestamp, lastLSN: UInt64 = 0) {
        self.siteID = siteID
        self.name = name
        self.allowedOrigins = allowedOrigins
        self.updatedAt = updatedAt
        self.lastLSN = lastLSN
    }

    /// The channel of a site never configured: its domain (when it has one) is the one
    /// allowed origin, as before channels existed; a site made by sign-up has none, so any
    /// origin may embed its widget until the owner names some.
    public static func initial(for site: Site) -> WidgetChannel {
        WidgetChannel(
            siteID: site.id, name: defaultName, allowedOrigins: site.domain.isEmpty ? [] : [site.domain],
            updatedAt: site.createdAt)
    }
}

/// Site-level settings beyond the ``Site`` entity: one state machine per domain, composed by
/// ``ParleyState``. For now, the configured widget channels.
public struct SiteSettings: Sendable {
    public private(set) var widgetChannels: [SiteID: WidgetChannel] = [:]

    public init(widgetChannels: [WidgetChannel] = []) {
        for channel in widgetChannels { self.widgetChannels[channel.siteID] = channel }
    }

    /// Records a configured channel; `false` when the record was applied already.
    mutating func configure(_ channel: WidgetChannel) -> Bool {
        if let known = widgetChannels[channel.siteID], known.lastLSN >= channel.lastLSN { return false }
        widgetChannels[channel.siteID] = channel
        return true
    }
}
