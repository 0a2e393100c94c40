import Foundation
import ParleyLog
import ParleySnapshot
import ParleyTestSupport
import Testing

@Suite struct SnapshotStoreTests {
    static func body(_ size: Int) -> [UInt8] {
        // Compressible but not trivial: repeated words with a counter.
        Array((0..<size / 8).map { "msg\($0 % 1000)-" }.joined().utf8.prefix(size))
    }

    @Test func writeThenReadRoundTrips() throws {
        let fs = CrashSimulatingFileSystem()
        let store = SnapshotStore(directory: "/d/snapshots", fileSystem: fs)
        let body = Self.body(200_000)
        let info = try store.write(body: body, lsn: 42, createdAt: 1_700_000_000_000, bodyVersion: 1, counts: [1, 2, 3])
        #expect(info.fileName == "snapshot-00000000000000000042.snap")
        let (header, read) = try SnapshotStore.read(path: info.path, fileSystem: fs)
        #expect(read == body)
        #expect(header.lsn == 42)
        #expect(header.counts.prefix(3) == [1, 2, 3])
        #expect(header.frameSize < UInt64(body.count) / 2)
        #expect(try fs.contentsOfDirectory("/d/snapshots") == [info.fileName])
    }

    @Test func theSnapshotIsDurableOnlyOnceRenamedAndTheDirectorySynced() throws {
        var generator = SeededGenerator(seed: 1)
        let fs = CrashSimulatingFileSystem()
        let store = SnapshotStore(directory: "/d/snapshots", fileSystem: fs)
        try store.write(body: Self.body(1000), lsn: 1, createdAt: 0, bodyVersion: 1, counts: [])
        let after = fs.crash(.dropUnsynced, using: &generator)
        #expect(try SnapshotStore(directory: "/d/snapshots", fileSystem: after).loadNewestValid()?.header.lsn == 1)
    }

    @Test func theLZ4CommandLineToolUnpacksThePayload() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-snap-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = SnapshotStore(directory: directory)
        let body = Self.body(50_000)
        let info = try store.write(body: body, lsn: 7, createdAt: 0, bodyVersion: 1, counts: [])
        let bytes = try PosixFileSystem().readFile(info.path)
        let framePath = directory + "/payload.lz4"
        try Data(bytes[SnapshotHeader.size...]).write(to: URL(fileURLWithPath: framePath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/lz4")
        process.arguments = ["-d", "-q", "-f", framePath, directory + "/payload"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory + "/payload")) == Data(body))
    }

    @Test(arguments: [0, 5, 20, 64, 100, 124, 127, 128, 140])
    func anyDamagedByteIsDetected(offset: Int) throws {
        let fs = CrashSimulatingFileSystem()
        let store = SnapshotStore(directory: "/d", fileSystem: fs)
        let info = try store.write(body: Self.body(4000), lsn: 3, createdAt: 0, bodyVersion: 1, counts: [9])
        var bytes = try fs.readFile(info.path)
        bytes[offset] ^= 0x40
        try fs.removeFile(info.path)
        let file = try fs.openForAppending(info.path)
        try file.append(bytes)
        #expect(throws: (any Error).self) { _ = try SnapshotStore.read(path: info.path, fileSystem: fs) }
    }

    @Test func loadingFallsBackPastDamagedSnapshotsAndPruneKeepsTheNewest() throws {
        let fs = CrashSimulatingFileSystem()
        let store = SnapshotStore(directory: "/d", fileSystem: fs)
        for lsn in [10, 20, 30] as [UInt64] {
            try store.write(body: Array("state at \(lsn)".utf8), lsn: lsn, createdAt: 0, bodyVersion: 1, counts: [])
        }
        let newest = try store.list()[0]
        try fs.truncateFile(newest.path, to: newest.fileSize - 3)
        let loaded = try #require(try store.loadNewestValid())
        #expect(loaded.header.lsn == 20)
        #expect(loaded.skipped.count == 1)
        #expect(try store.loadNewestValid(atOrBefore: 15)?.header.lsn == 10)
        // A body the owner refuses also falls back.
        let refused = try store.loadNewestValid { header, _ in
            if header.lsn == 20 { throw SnapshotError.damaged("refused") }
        }
        #expect(refused?.header.lsn == 10)
        // The damaged newest one does not count: two verified ones (20, 10) are kept, and it too.
        // (Until issue 15 this pruned to [30, 20], leaving one readable snapshot; the test changed
        // with the code.)
        let pruned = try store.prune(keep: 2)
        #expect(try store.list().map(\.lsn) == [30, 20, 10])
        #expect(pruned.oldestVerified?.lsn == 10 && pruned.damaged == [newest.path] && pruned.removed.isEmpty)
        for info in try store.list().dropFirst() { try fs.truncateFile(info.path, to: 10) }
        #expect(throws: AllSnapshotsDamaged.self) { _ = try store.loadNewestValid() }
    }

    @Test func retentionCountsOnlyVerifiedSnapshotsAndKeepsAtLeastTwo() throws {
        let fs = CrashSimulatingFileSystem()
        let store = SnapshotStore(directory: "/data/snapshots", fileSystem: fs)
        for lsn in [10, 20, 30, 40, 50] as [UInt64] {
            try store.write(body: Array("state at \(lsn)".utf8), lsn: lsn, createdAt: 0, bodyVersion: 1, counts: [])
        }
        // keep 1 is kept as 2.
        let pruned = try store.prune(keep: 1)
        #expect(try store.list().map(\.lsn) == [50, 40])
        #expect(pruned.oldestVerified?.lsn == 40 && pruned.removed.count == 3)
        // A damaged snapshot in the middle is skipped, not counted: the next good one is kept.
        try store.write(body: Array("state at 60".utf8), lsn: 60, createdAt: 0, bodyVersion: 1, counts: [])
        let fifty = try #require(try store.list().first { $0.lsn == 50 })
        var bytes = try fs.readFile(fifty.path)
        bytes[bytes.count - 1] ^= 0xFF
        try fs.removeFile(fifty.path)
        let file = try fs.openForAppending(fifty.path)
        try file.append(bytes)
        try file.close()
        let again = try store.prune(keep: 2)
        #expect(try store.list().map(\.lsn) == [60, 50, 40])
        #expect(again.oldestVerified?.lsn == 40 && again.damaged == [fifty.path])
        // Fewer verified snapshots than asked for: nothing is deleted, and no log bound is given.
        try fs.truncateFile(try #require(try store.list().first).path, to: 5)
        let short = try store.prune(keep: 3)
        #expect(try store.list().map(\.lsn) == [60, 50, 40] && short.oldestVerified == nil && short.removed.isEmpty)
    }
}
