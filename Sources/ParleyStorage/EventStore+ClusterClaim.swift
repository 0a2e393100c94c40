import ParleyRedis

extension EventStore {
    /// Whether this node may do the one-at-a-time work named `name` (a webhook delivery's
    /// attempt): on one node always; on a cluster node only the node that first claims it in
    /// Redis (`SET <prefix>:claim:<name> NX PX`, docs/SCALING.md), for `lifetime`. A claim that
    /// cannot be asked for (Redis unreachable) is not granted: the work waits for a later try.
    public func claim(_ name: String, for lifetime: Duration) async -> Bool {
        guard let cluster else { return true }
        let reply = try? await cluster.client.send(
            "SET", .text("\(cluster.keys.prefix):claim:\(name)"), .text(cluster.name), "NX", "PX", .integer(lifetime.redisMilliseconds))
        return reply?.string == "OK"
    }
}
