import Hummingbird
import ParleyEngine
import ParleyModel

/// Retention and erasure for a site's owners (issue 16; docs/API-native.md, "Retention and
/// erasure"): `GET`/`PUT /v1/sites/{site_id}/retention` and `DELETE /v1/visitors/{visitor_id}`.
struct NativePrivacyController {
    let broker: Broker
    let privacy: PrivacyService

    func register(on group: RouterGroup<ParleyRequestContext>) {
        group.get("sites/:site_id/retention", use: retention)
        group.put("sites/:site_id/retention", use: setRetention)
        group.delete("visitors/:visitor_id", use: erase)
    }

    struct Retention: Encodable, Sendable {
        var site_id: String
        /// 0: messages are kept for ever.
        var days: UInt32
        @ExplicitNull var updated_at: String?
        /// How long after a message passes the period its bytes may still be on disk.
        @ExplicitNull var disk_cleared_within_seconds: Int?
    }

    struct RetentionRequest: Decodable {
        var days: Int
    }

    func body(_ policy: RetentionPolicy) -> Retention {
        Retention(
            site_id: NativeID.format(policy.siteID), days: policy.days,
            updated_at: policy.lastLSN == 0 ? nil : policy.setAt.rfc3339, disk_cleared_within_seconds: privacy.diskClearedWithinSeconds)
    }

    @Sendable func retention(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<Retention> {
        let site = try NativeScope.site(context.parameters.get("site_id"), principal: try context.requirePrincipal())
        _ = try context.requireStaff()
        return NativeSuccess(body(privacy.retention(of: site)))
    }

    @Sendable func setRetention(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<Retention> {
        let site = try NativeScope.site(context.parameters.get("site_id"), principal: try context.requirePrincipal())
        let (_, agent) = try context.requireOwner("only the site's owners set its retention period")
        let input = try await request.decode(as: RetentionRequest.self, context: context)
        guard input.days >= 0, input.days <= Int(RetentionPolicy.maximumDays) else {
            throw APIError.validation("days must be between 0 (keep for ever) and \(RetentionPolicy.maximumDays)")
        }
        return NativeSuccess(body(try await privacy.setRetention(site: site, days: UInt32(input.days), by: agent)))
    }

    struct Erased: Encodable, Sendable {
        var id: String
        var erased: Bool
        var erased_at: String
        /// The visitor and the visitors merged into it (identified as the same customer).
        var visitors: Int
        var conversations: Int
        var messages: Int
        var files: Int
        @ExplicitNull var disk_cleared_within_seconds: Int?
    }

    @Sendable func erase(_ request: Request, context: ParleyRequestContext) async throws -> NativeSuccess<Erased> {
        let (site, agent) = try context.requireOwner("only the site's owners erase visitors")
        let visitor = try NativeScope.visitor(context.parameters.get("visitor_id"), site: site, broker: broker)
        let erasure = try await privacy.erase(visitor.id, by: agent)
        return NativeSuccess(
            Erased(
                id: NativeID.format(visitor.id), erased: true, erased_at: erasure.at.rfc3339, visitors: erasure.visitors,
                conversations: erasure.conversations, messages: erasure.messages, files: erasure.files,
                disk_cleared_within_seconds: privacy.diskClearedWithinSeconds))
    }
}
