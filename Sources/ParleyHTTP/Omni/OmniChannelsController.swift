import Hummingbird
import ParleyEngine
import ParleyModel
import ParleyStorage

/// `/api/v1/channels` (seed 003): every site has one channel, its website widget (id: the
/// channel UUID whose integer is the site's). Its `config` holds the public key the widget
/// uses, the greeting, colours and offline text it shows, and the origins allowed to embed it.
struct OmniChannelsController {
    let broker: Broker

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("channels", use: list)
        group.put("channels/:channel_id", use: update)
    }

    struct Config: Encodable, Sendable {
        var public_key: String
        var greeting: String
        var offline_message: String
        var primary_color: String
        var allowed_origins: [String]
        /// True while no origin is listed: any page may embed the widget.
        var any_origin: Bool
    }

    struct Channel: Encodable, Sendable {
        var id: String
        var type = "widget"
        var name: String
        var status = "active"
        var config: Config
        var updated_at: String
    }

    static func channelID(_ site: SiteID) -> Identifier<ChannelKind> { Identifier(site.rawValue) }

    static func body(_ site: Site, _ channel: WidgetChannel) -> Channel {
        Channel(
            id: OmniID.format(channelID(site.id)), name: channel.name,
            config: Config(
                public_key: site.publicKey, greeting: site.widget.welcomeMessage, offline_message: site.widget.offlineMessage,
                primary_color: site.widget.primaryColor, allowed_origins: channel.allowedOrigins,
                any_origin: channel.allowedOrigins.isEmpty),
            updated_at: channel.updatedAt.rfc3339)
    }

    func current(_ site: SiteID) throws -> Channel {
        let found: Channel? = broker.store.read { state in state.sites[site].map { Self.body($0, state.widgetChannel(of: $0)) } }
        guard let found else { throw APIError.notFound("channel") }
        return found
    }

    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws -> OmniList<Channel, OmniMeta> {
        let site = try context.requireStaff()
        return OmniList(data: [try current(site)], meta: OmniMeta(total: 1, page: 1, per_page: 20))
    }

    struct UpdateRequest: Decodable {
        struct ConfigUpdate: Decodable {
            var greeting: String?
            var offline_message: String?
            var primary_color: String?
            var allowed_origins: [String]?
        }

        var name: String?
        var config: ConfigUpdate?
    }

    /// Owners and admins (and the `sk_` key) change the name and any of the config fields;
    /// fields left out keep their value. `public_key` is not settable.
    @Sendable func update(_ request: Request, context: ParleyRequestContext) async throws -> OmniData<Channel> {
        let site = try context.requireManager("only owners and admins configure channels")
        let id: Identifier<ChannelKind> = try OmniScope.id(context.parameters.get("channel_id"), field: "channel_id")
        guard id == Self.channelID(site) else { throw APIError.notFound("channel") }
        let body = try await request.decode(as: UpdateRequest.self, context: context)
        let (known, channel): (Site?, WidgetChannel?) = broker.store.read { state in
            (state.sites[site], state.sites[site].map { state.widgetChannel(of: $0) })
        }
        guard let known, let channel else { throw APIError.notFound("channel") }
        var widget = known.widget
        if let greeting = body.config?.greeting { widget.welcomeMessage = greeting }
        if let offline = body.config?.offline_message { widget.offlineMessage = offline }
        if let color = body.config?.primary_color { widget.primaryColor = color }
        let updated = try await broker.directory.configureWidgetChannel(
            site: site, name: body.name ?? channel.name, widget: widget,
            allowedOrigins: body.config?.allowed_origins ?? channel.allowedOrigins)
        guard let after = broker.site(site) else { throw APIError.notFound("channel") }
        return OmniData(Self.body(after, updated))
    }
}
