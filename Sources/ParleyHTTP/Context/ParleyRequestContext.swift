public import Hummingbird
public import Foundation
public import ParleyModel

/// The request context of every Parley route: the core context plus the authenticated
/// principal (set by ``AuthenticationMiddleware``).
public struct ParleyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `nil` for anonymous requests.
    public var principal: Principal?
    /// The admin API's caller (``AdminAuthentication``); `nil` elsewhere.
    public var adminScope: AdminScope?
    /// The client's IP address ("unknown" when the transport has none, as in router tests).
    public let clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        principal = nil
        adminScope = nil
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Request bodies are limited to 1 MiB (CONTRACT §4); larger ones are 413.
    public var maxUploadSize: Int { 1 << 20 }

    public var requestDecoder: ParleyRequestDecoder { ParleyRequestDecoder() }

    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }

    /// The calling agent, or 401.
    public func requireAgent() throws -> (id: AgentID, site: SiteID, role: AgentRole) {
        switch principal {
        case .agent(let id, let site, let role, _): return (id, site, role)
        case .secretKey, .publicKey, .visitor: throw APIError.forbidden("this route is for agents")
        case nil: throw APIError.unauthorized("missing or invalid authorization")
        }
    }

    /// A caller with staff rights on its site (an agent or the secret key), or 401/403.
    public func requireStaff() throws -> SiteID {
        switch principal {
        case .agent(_, let site, _, _), .secretKey(let site): return site
        case .visitor, .publicKey: throw APIError.forbidden("this route is for agents")
        case nil: throw APIError.unauthorized("missing or invalid authorization")
        }
    }

    /// An owner or admin of its site, or the secret key (its owner's rights); another agent is
    /// 403 with `reason`.
    public func requireManager(_ reason: String) throws -> SiteID {
        let site = try requireStaff()
        if case .agent(_, _, let role, _)? = principal, role == .agent { throw APIError.forbidden(reason) }
        return site
    }

    /// An owner of its site (with its id), or the secret key (its owner's rights, no agent);
    /// another agent is 403 with `reason`.
    public func requireOwner(_ reason: String) throws -> (site: SiteID, agent: AgentID?) {
        let site = try requireStaff()
        guard case .agent(let agent, _, let role, _)? = principal else { return (site, nil) }
        guard role == .owner else { throw APIError.forbidden(reason) }
        return (site, agent)
    }

    /// Any authenticated caller, or 401.
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw APIError.unauthorized("missing or invalid authorization") }
        return principal
    }
}

/// Decodes JSON bodies, turning every decoding failure into a 400 with a readable reason.
public struct ParleyRequestDecoder: RequestDecoder {
    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw APIError.payloadTooLarge("request body is larger than \(context.maxUploadSize) bytes")
        }
        return try Self.decode(type, from: buffer)
    }

    /// The decoding itself (also what `Fuzz/RequestBodies` drives): a value, or an
    /// ``APIError`` 400 naming what is wrong — never another error.
    public static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        guard buffer.readableBytes > 0 else { throw APIError.validation("a JSON request body is required") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as APIError {
            throw error
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError.validation("\(key.stringValue) is required")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError.validation(field.isEmpty ? "the body has the wrong JSON type" : "\(field) has the wrong type")
        } catch {
            throw APIError.validation("the body is not valid JSON")
        }
    }
}

extension Request {
    /// The whole body, collected once and kept for the layers and handlers after this one;
    /// a body larger than the context allows is a 413.
    mutating func collectBody(limitedBy context: some RequestContext) async throws -> ByteBuffer {
        do {
            return try await collectBody(upTo: context.maxUploadSize)
        } catch {
            throw APIError.payloadTooLarge("request body is larger than \(context.maxUploadSize) bytes")
        }
    }
}
