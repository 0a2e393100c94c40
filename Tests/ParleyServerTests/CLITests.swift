import Foundation
import ParleyTestSupport
import ParleyLog
import ParleyModel
import ParleySnapshot
import ParleyStorage
import Testing

/// `parley snapshot …`, `parley wal …` and `parley admin …` as an operator runs them.
@Suite(.serialized) struct CLITests {
    /// A data directory with traffic and one snapshot in the middle of it.
    func seededDirectory(_ name: String) async throws -> (String, snapshotLSN: UInt64) {
        let data = ParleyBinary.temporaryDirectory(name)
        #expect(try await ParleyBinary.run(["admin", "seed", "--data-dir", data, "--messages", "200", "--quiet"]).status == 0)
        let created = try await ParleyBinary.run(["snapshot", "create", "--data-dir", data])
        #expect(created.status == 0, "\(created.stderr)")
        let lsn = try #require(
            (try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])?["lsn"] as? Int)
        #expect(try await ParleyBinary.run(["admin", "seed", "--data-dir", data, "--messages", "100", "--quiet"]).status == 0)
        return (data, UInt64(lsn))
    }

    @Test func usageErrorsExitTwo() async throws {
        let result = try await ParleyBinary.run(["serve", "--fsync", "sometimes"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--fsync"))
        let delay = try await ParleyBinary.run(["serve", "--ws-write-delay-ms", "101"])
        #expect(delay.status == 2)
        #expect(delay.stderr.contains("--ws-write-delay-ms must be 0 to 100"))
        let commitDelay = try await ParleyBinary.run(["serve", "--commit-delay-us", "100001"])
        #expect(commitDelay.status == 2)
        #expect(commitDelay.stderr.contains("--commit-delay-us must be 0 to 100000"))
        #expect(try await ParleyBinary.run(["snapshot", "restore"]).status == 2)
        #expect(try await ParleyBinary.run(["admin", "create-agent", "--site-id", "site_x", "--username", "a", "--email", "a@b.co", "--password", "12345678"]).status == 2)
    }

    @Test func adminCreatesSitesAndAgentsAsJSON() async throws {
        let data = ParleyBinary.temporaryDirectory("admin")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let site = try await ParleyBinary.run(["admin", "create-site", "--data-dir", data, "--name", "Shop", "--domain", "https://shop.example"])
        #expect(site.status == 0)
        let siteJSON = try #require(try JSONSerialization.jsonObject(with: Data(site.stdout.utf8)) as? [String: Any])
        #expect(siteJSON["site_id"] as? String == "site_1")
        #expect((siteJSON["public_key"] as? String)?.hasPrefix("pk_") == true)
        #expect((siteJSON["secret_key"] as? String)?.hasPrefix("sk_") == true)
        let agent = try await ParleyBinary.run([
            "admin", "create-agent", "--data-dir", data, "--site-id", "site_1", "--username", "alice", "--email",
            "alice@shop.example", "--password", "correct horse", "--role", "owner",
        ])
        #expect(agent.status == 0, "\(agent.stderr)")
        let agentJSON = try #require(try JSONSerialization.jsonObject(with: Data(agent.stdout.utf8)) as? [String: Any])
        #expect(agentJSON["agent_id"] as? String == "user_1")
        let duplicate = try await ParleyBinary.run([
            "admin", "create-agent", "--data-dir", data, "--site-id", "site_1", "--username", "alice", "--email",
            "other@shop.example", "--password", "correct horse",
        ])
        #expect(duplicate.status == 1)
        #expect(duplicate.stderr.contains("CONFLICT"))
    }

    @Test func snapshotListInspectAndVerify() async throws {
        let (data, lsn) = try await seededDirectory("snap")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let list = try await ParleyBinary.run(["snapshot", "list", "--data-dir", data])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == 1)
        let file = try #require(entries.first?["file"] as? String)
        #expect(entries.first?["lsn"] as? Int == Int(lsn))
        let inspect = try await ParleyBinary.run(["snapshot", "inspect", file])
        #expect(inspect.status == 0)
        #expect(inspect.stdout.contains("\"messages\" : 200"))
        #expect(try await ParleyBinary.run(["snapshot", "verify", file]).status == 0)

        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[bytes.count - 10] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: file))
        let damaged = try await ParleyBinary.run(["snapshot", "verify", file])
        #expect(damaged.status == 1)
        #expect(damaged.stderr.contains("checksum"))
    }

    @Test func walVerifyNamesTheDamagedFileAndOffset() async throws {
        let (data, _) = try await seededDirectory("wal")
        defer { try? FileManager.default.removeItem(atPath: data) }
        #expect(try await ParleyBinary.run(["wal", "verify", "--data-dir", data]).status == 0)
        let inspect = try await ParleyBinary.run(["wal", "inspect", "--data-dir", data, "--limit", "3"])
        #expect(inspect.stdout.split(separator: "\n").count == 3)
        #expect(inspect.stdout.contains("\"type\":\"site_created\""))

        let segment = try #require(try LogReader.segmentNames(fileSystem: PosixFileSystem(), directory: data + "/wal").first)
        let path = data + "/wal/" + segment.name
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[600] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        let verify = try await ParleyBinary.run(["wal", "verify", "--data-dir", data])
        #expect(verify.status == 1)
        #expect(verify.stderr.contains(path))
        #expect(verify.stderr.contains("offset"))
    }

    /// A flipped bit in a complete record of the last segment stops the start and changes
    /// nothing; `wal repair --truncate-at` is the explicit way past it, keeping what it cuts.
    @Test func corruptionStopsTheStartUntilAnOperatorCutsTheLog() async throws {
        let data = ParleyBinary.temporaryDirectory("wal-repair")
        defer { try? FileManager.default.removeItem(atPath: data) }
        #expect(try await ParleyBinary.run(["admin", "seed", "--data-dir", data, "--messages", "200", "--quiet"]).status == 0)
        let segments = try LogReader.segmentNames(fileSystem: PosixFileSystem(), directory: data + "/wal")
        let last = try #require(segments.last)
        let path = data + "/wal/" + last.name
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let report = try LogReader.scan(directory: data + "/wal", fileSystem: PosixFileSystem())
        #expect(report.problem == nil)
        // A frame in the middle of the last segment: flip a bit of its payload.
        var frameStart = 0
        _ = try LogReader.scan(directory: data + "/wal", fileSystem: PosixFileSystem()) { record in
            if record.lsn == last.firstLSN + (report.segments.last!.recordCount / 2) { frameStart = record.offset }
        }
        #expect(frameStart > 0)
        bytes[frameStart + SegmentFormat.frameHeaderSize] ^= 0x02
        try bytes.write(to: URL(fileURLWithPath: path))

        let port = ParleyBinary.freePort()
        let refused = try ParleyBinary.start(["serve", "--port", "\(port)", "--data-dir", data])
        #expect(await ParleyBinary.waitForExit(refused, timeout: .seconds(20)))
        #expect(refused.terminationStatus != 0, "the start refuses")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes, "and changes nothing")

        let repair = try await ParleyBinary.run(["wal", "repair", "--data-dir", data, "--truncate-at", "\(path):\(frameStart)"])
        #expect(repair.status == 0, "\(repair.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(path).\(frameStart).broken"))
        #expect(try await ParleyBinary.run(["wal", "verify", "--data-dir", data]).status == 0)
        // A port of its own (retried if taken): `port` was free some seconds ago.
        let server = try await ParleyBinary.serve(["--data-dir", data])
        ParleyBinary.stop(server.process)
    }

    /// After an fsync failure the start refuses in the same boot (the page cache may hold log
    /// bytes that never reached the disk); another boot, or `wal clear-fsync-failure` after a
    /// cache drop, lets it start.
    @Test func anFsyncFailureMarkerStopsTheStartInTheSameBoot() async throws {
        let data = ParleyBinary.temporaryDirectory("fsync-marker")
        defer { try? FileManager.default.removeItem(atPath: data) }
        #expect(try await ParleyBinary.run(["admin", "seed", "--data-dir", data, "--messages", "20", "--quiet"]).status == 0)
        let marker = FsyncFailureMarker.path(dataDirectory: data)
        let boot = try #require(PosixFileSystem().bootIdentifier())
        func writeMarker(boot: String) throws {
            try "boot_id=\(boot)\ntime=2026-12-03T09:00:00Z\nerror=fdatasync wal: Input/output error\n"
                .write(toFile: marker, atomically: true, encoding: .utf8)
        }
        let port = ParleyBinary.freePort()

        try writeMarker(boot: boot)
        let refused = try await ParleyBinary.run(["serve", "--port", "\(port)", "--data-dir", data])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("clear-fsync-failure"), "\(refused.stderr)")
        #expect(FileManager.default.fileExists(atPath: marker))

        let cleared = try await ParleyBinary.run(["wal", "clear-fsync-failure", "--data-dir", data])
        #expect(cleared.status == 0 && !FileManager.default.fileExists(atPath: marker))
        #expect(try await ParleyBinary.run(["wal", "clear-fsync-failure", "--data-dir", data]).status == 0, "nothing to clear is fine")

        // A marker from another boot: that page cache is gone; the start clears it and serves.
        // (On a port of its own, retried if another test took it meanwhile: `port` was free
        // seconds ago, and a full parallel run on CI once met it taken.)
        try writeMarker(boot: "00000000-0000-0000-0000-000000000000")
        let server = try await ParleyBinary.serve(["--data-dir", data])
        defer { ParleyBinary.stop(server.process) }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test func restoreReplaysUpToAnLSNOrATime() async throws {
        let (data, snapshotLSN) = try await seededDirectory("restore")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let snapshot = try #require(try SnapshotStore(directory: data + "/snapshots").list().first)
        let target = ParleyBinary.temporaryDirectory("restored")
        defer { try? FileManager.default.removeItem(atPath: target) }
        let stop = snapshotLSN + 25
        let restored = try await ParleyBinary.run(["snapshot", "restore", snapshot.path, "--data-dir", target, "--to-lsn", "\(stop)"])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stderr.contains("restore:"))
        let store = try EventStore.open(StorageConfiguration(dataDirectory: target))
        #expect(store.appliedLSN == stop)
        #expect(store.startReport.replayedRecords == 0)
        #expect(store.nextLSN == stop + 1)
        store.close()

        // Restoring to a time before the snapshot is a usage error; a non-empty target too.
        let early = try await ParleyBinary.run(["snapshot", "restore", snapshot.path, "--data-dir", target + "-t", "--to-time", "2001-01-01T00:00:00Z"])
        #expect(early.status == 2)
        let occupied = try await ParleyBinary.run(["snapshot", "restore", snapshot.path, "--data-dir", target])
        #expect(occupied.status == 2)
        // The whole log: everything comes back.
        let full = try await ParleyBinary.run(["snapshot", "restore", snapshot.path, "--data-dir", target + "-full", "--to-time", "2999-01-01T00:00:00Z"])
        defer { try? FileManager.default.removeItem(atPath: target + "-full") }
        #expect(full.status == 0)
        let all = try EventStore.open(StorageConfiguration(dataDirectory: target + "-full"))
        #expect(all.read { $0.messageCount } == 300)
        all.close()
    }
}

/// `parley history …`, and the history files carried by `snapshot restore` and `tools/backup.sh` (issue 16).
@Suite(.serialized) struct HistoryCLITests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func compactInfoRestoreAndBackupKeepTheColdHistory() async throws {
        let data = ParleyBinary.temporaryDirectory("history")
        let restored = ParleyBinary.temporaryDirectory("history-restored")
        let backup = ParleyBinary.temporaryDirectory("history-backup")
        defer { for path in [data, restored, backup] { try? FileManager.default.removeItem(atPath: path) } }
        // 300 messages in 10 conversations of 30; all but the newest 5 of each move out of RAM.
        #expect(try await ParleyBinary.run(["admin", "seed", "--data-dir", data, "--messages", "300", "--quiet"]).status == 0)
        #expect(try await ParleyBinary.run(["history", "compact", "--data-dir", data, "--keep", "0"]).status == 2)
        let compacted = try await ParleyBinary.run(["history", "compact", "--data-dir", data, "--keep", "5"])
        #expect(compacted.status == 0, "\(compacted.stderr)")
        let summary = try Self.json(compacted.stdout)
        #expect(summary["cold_messages"] as? Int == 250 && summary["hot_messages"] as? Int == 50)
        #expect(summary["live_files"] as? [Int] == [1])
        let info = try Self.json(try await ParleyBinary.run(["history", "info", "--data-dir", data]).stdout)
        #expect(info["cold_messages"] as? Int == 250 && (info["bytes_on_disk"] as? Int ?? 0) > 0)

        // A restore of the snapshot compaction took brings the history file along.
        let list = try await ParleyBinary.run(["snapshot", "list", "--data-dir", data])
        let newest = try #require((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])?.first?["file"] as? String)
        let restore = try await ParleyBinary.run(["snapshot", "restore", newest, "--data-dir", restored])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(FileManager.default.fileExists(atPath: restored + "/history/history-00000000000000000001.hist"))
        #expect(try Self.json(try await ParleyBinary.run(["history", "info", "--data-dir", restored]).stdout)["cold_messages"] as? Int == 250)

        // So does a backup, and it starts.
        let script = ParleyBinary.packageRoot.appendingPathComponent("tools/backup.sh").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, data, backup]
        process.environment = ProcessInfo.processInfo.environment.merging(["PARLEY": ParleyBinary.path]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let copied = try Self.json(try await ParleyBinary.run(["history", "info", "--data-dir", backup]).stdout)
        #expect(copied["cold_messages"] as? Int == 250 && copied["live_files"] as? [Int] == [1])
    }

    @Test func eraseVisitorAndSetRetentionThroughTheBinary() async throws {
        let data = ParleyBinary.temporaryDirectory("erase")
        defer { try? FileManager.default.removeItem(atPath: data) }
        #expect(try await ParleyBinary.run(["admin", "seed", "--data-dir", data, "--messages", "100", "--quiet"]).status == 0)
        #expect(try await ParleyBinary.run(["snapshot", "create", "--data-dir", data]).status == 0)
        #expect(try await ParleyBinary.run(["history", "compact", "--data-dir", data, "--keep", "2"]).status == 0)
        // Visitor 1 is "seed-1-0", named "Visitor 0": in the log, a snapshot and a history file.
        #expect(!DataDirectoryScan.rawHits("seed-1-0", in: data).isEmpty)
        let erased = try await ParleyBinary.run(["admin", "erase-visitor", "--data-dir", data, "--visitor-id", "visitor_1"])
        #expect(erased.status == 0, "\(erased.stderr)")
        let summary = try Self.json(erased.stdout)
        #expect(summary["conversations"] as? Int == 1 && summary["messages"] as? Int == 10 && summary["history_files_rewritten"] as? Int == 1)
        #expect(DataDirectoryScan.rawHits("seed-1-0", in: data) == [])
        #expect(DataDirectoryScan.rawHits("Visitor 0", in: data) == [])
        #expect(try DataDirectoryScan.decodedHits("Visitor 0", in: data) == [])
        #expect(!DataDirectoryScan.rawHits("Visitor 1", in: data).isEmpty)
        #expect(try await ParleyBinary.run(["admin", "erase-visitor", "--data-dir", data, "--visitor-id", "visitor_99"]).status == 1)
        #expect(try await ParleyBinary.run(["admin", "erase-visitor", "--data-dir", data, "--visitor-id", "nobody"]).status == 2)

        let retention = try await ParleyBinary.run(["admin", "set-retention", "--data-dir", data, "--site-id", "site_1", "--days", "30"])
        #expect(retention.status == 0, "\(retention.stderr)")
        #expect(try Self.json(retention.stdout)["days"] as? Int == 30)
        #expect(try await ParleyBinary.run(["admin", "set-retention", "--data-dir", data, "--site-id", "site_1", "--days", "-1"]).status == 2)
        #expect(try await ParleyBinary.run(["wal", "inspect", "--data-dir", data]).stdout.contains("retention_set"))
    }
}

/// `parley wal fsync-test` as an operator runs it before trusting a disk with the log.
@Suite struct FsyncTestCLITests {
    @Test func itMeasuresADirectoryAndLeavesItAsItWas() async throws {
        let data = ParleyBinary.temporaryDirectory("fsync-test")
        defer { try? FileManager.default.removeItem(atPath: data) }
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let result = try await ParleyBinary.run(["wal", "fsync-test", "--data-dir", data, "--seconds", "0.3"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((json["syncs"] as? Int ?? 0) > 0)
        #expect(json["record_bytes"] as? Int == 300)
        #expect((json["arrival_wait_us"] as? [String: Any])?["p99"] is Int)
        #expect(result.stderr.contains("fdatasync µs p50"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: data).isEmpty)
    }

    /// Paced as `serve --commit-delay-us` paces the log: 0.3 s at one sync per 50 ms is at most seven.
    @Test func aCommitDelayPacesTheSyncs() async throws {
        let data = ParleyBinary.temporaryDirectory("fsync-test-paced")
        defer { try? FileManager.default.removeItem(atPath: data) }
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let result = try await ParleyBinary.run(
            ["wal", "fsync-test", "--data-dir", data, "--seconds", "0.3", "--commit-delay-us", "50000"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let syncs = json["syncs"] as? Int ?? 0
        #expect((1...7).contains(syncs), "\(syncs) syncs")
    }

    @Test func badOptionsAndMissingDirectoriesAreRefused() async throws {
        let delay = try await ParleyBinary.run(["wal", "fsync-test", "--commit-delay-us=-1"])
        #expect(delay.status == 2)
        #expect(delay.stderr.contains("--commit-delay-us must be 0 to 100000"))
        let zero = try await ParleyBinary.run(["wal", "fsync-test", "--seconds", "0"])
        #expect(zero.status == 2)
        #expect(zero.stderr.contains("--seconds must be more than 0"))
        #expect(try await ParleyBinary.run(["wal", "fsync-test", "--record-bytes", "0"]).status == 2)
        let missing = try await ParleyBinary.run(["wal", "fsync-test", "--data-dir", "/nonexistent/parley", "--seconds", "0.1"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/parley"))
    }
}
