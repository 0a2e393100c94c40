import Synchronization

extension Mutex where Value == Bool {
    /// Claims a one-at-a-time job (a snapshot, a compaction run): `true` when it was free and
    /// is now taken; the caller sets it back to `false` when done.
    func claim() -> Bool {
        withLock { busy in
            if busy { return false }
            busy = true
            return true
        }
    }
}
