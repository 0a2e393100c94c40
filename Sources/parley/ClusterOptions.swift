import ArgumentParser
import ParleyRedis
import ParleyStorage

/// The options that name a cluster's Redis (`serve --redis`, `cluster reseed`), with their
/// `PARLEY_…` environment defaults.
struct ClusterOptions: ParsableArguments {
    @Option(help: "The cluster's Redis, redis://[:password@]host:port[/db] (PARLEY_REDIS); see docs/SCALING.md.")
    var redis: String? = environment("REDIS")

    @Option(help: "Prefix of the cluster's Redis keys; clusters with different prefixes share one Redis (PARLEY_REDIS_PREFIX).")
    var redisPrefix: String = environment("REDIS_PREFIX") ?? "parley"

    @Option(help: "strict | relaxed: relaxed accepts a Redis without appendfsync always, which may lose acknowledged writes; tests only (PARLEY_REDIS_DURABILITY).")
    var redisDurability: String = environment("REDIS_DURABILITY") ?? "strict"

    func validate() throws {
        if let redis {
            do { _ = try RedisConfiguration(url: redis) } catch { throw ValidationError("--redis: \(error)") }
        }
        guard ["strict", "relaxed"].contains(redisDurability) else { throw ValidationError("--redis-durability must be strict or relaxed") }
        guard !redisPrefix.isEmpty, !redisPrefix.contains(where: \.isWhitespace) else {
            throw ValidationError("--redis-prefix must be a word without spaces")
        }
    }

    /// The cluster these options name; `nil` without `--redis` (one node on its own log).
    var cluster: ClusterConfiguration? {
        guard let redis, let configuration = try? RedisConfiguration(url: redis) else { return nil }
        return ClusterConfiguration(
            redis: configuration, keys: RedisLog.Keys(prefix: redisPrefix), acceptsRelaxedDurability: redisDurability == "relaxed")
    }
}
