public import ParleyStorage

extension EngineError {
    /// What a client is told when a cluster node's write was not acknowledged (docs/SCALING.md);
    /// `nil` for any other error.
    public static func cluster(_ error: any Error) -> EngineError? {
        guard let error = error as? ClusterWriteError else { return nil }
        return switch error {
        case .unavailable(let why): EngineError(.unavailable, "the cluster log cannot take writes now; retry (\(why))")
        case .conversationClosed: .conflict("conversation is closed")
        case .refused(_, let reason): .conflict(reason)
        case .claimTaken: .conflict("it already exists (another node created it at the same moment)")
        case .idempotencyKeyTaken: .conflict("a request with this Idempotency-Key is still being processed")
        }
    }
}
