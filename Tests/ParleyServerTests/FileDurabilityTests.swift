import Foundation
import ParleyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An acknowledged upload survives `kill -9`; blobs that no file names are swept at start.
@Suite(.serialized) struct FileDurabilityTests {
    func start(_ data: String) async throws -> (process: Process, port: Int) {
        try await ParleyBinary.serve(["--data-dir", data, "--bcrypt-cost", "4", "--rate-limits", "off"])
    }

    @Test func anAcknowledgedUploadSurvivesKill9() async throws {
        let data = ParleyBinary.temporaryDirectory("files-kill9")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let created = try await ParleyBinary.run(["admin", "create-site", "--data-dir", data, "--name", "Shop"])
        let site = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any]
        let key = try #require(site?["secret_key"] as? String)
        var server = try await start(data)
        var payload = Array("%PDF-1.7\n".utf8)
        for index in 0..<200_000 { payload.append(UInt8(truncatingIfNeeded: index &* 31 &+ 7)) }
        let boundary = "kill9-boundary"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"invoice.pdf\"\r\n\r\n".utf8)
        body.append(contentsOf: payload)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        var upload = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)/v1/files/upload")!)
        upload.httpMethod = "POST"
        upload.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        upload.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        upload.httpBody = body
        let (answer, response) = try await URLSession.shared.data(for: upload)
        #expect((response as? HTTPURLResponse)?.statusCode == 201)
        let id = try #require(((try JSONSerialization.jsonObject(with: answer) as? [String: Any])?["data"] as? [String: Any])?["id"] as? String)
        kill(server.process.processIdentifier, SIGKILL)
        #expect(await ParleyBinary.waitForExit(server.process, timeout: .seconds(10)))

        // A stray blob (as if an upload crashed before its record) and a half-written upload.
        let stray = data + "/blobs/ab/ab" + String(repeating: "0", count: 62)
        try FileManager.default.createDirectory(atPath: data + "/blobs/ab", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: stray, contents: Data("orphan".utf8)))
        #expect(FileManager.default.createFile(atPath: data + "/blobs/tmp/upload-1-2", contents: Data("half".utf8)))

        server = try await start(data)
        let (bytes, downloaded) = try await URLSession.shared.data(
            from: URL(string: "http://127.0.0.1:\(server.port)/v1/files/\(id)/download?token=\(key)")!)
        #expect((downloaded as? HTTPURLResponse)?.statusCode == 401, "a site key is not a download token")
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)/v1/files/\(id)/download")!)
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        let (again, response2) = try await URLSession.shared.data(for: request)
        #expect((response2 as? HTTPURLResponse)?.statusCode == 200)
        #expect(Array(again) == payload, "byte-exact after kill -9")
        #expect(bytes.count < payload.count)
        #expect(!FileManager.default.fileExists(atPath: stray), "the stray blob was swept")
        #expect(!FileManager.default.fileExists(atPath: data + "/blobs/tmp/upload-1-2"), "the unfinished upload was swept")

        // A restore carries the bytes: stop (SIGTERM writes a snapshot), restore, serve, download.
        kill(server.process.processIdentifier, SIGTERM)
        #expect(await ParleyBinary.waitForExit(server.process, timeout: .seconds(10)))
        let snapshots = try FileManager.default.contentsOfDirectory(atPath: data + "/snapshots").filter { $0.hasSuffix(".snap") }.sorted()
        let newest = try #require(snapshots.last)
        let restored = ParleyBinary.temporaryDirectory("files-restored")
        defer { try? FileManager.default.removeItem(atPath: restored) }
        let restore = try await ParleyBinary.run(["snapshot", "restore", data + "/snapshots/" + newest, "--data-dir", restored])
        #expect(restore.status == 0, "\(restore.stderr)")
        let copy = try await start(restored)
        defer { ParleyBinary.stop(copy.process) }
        var fromCopy = URLRequest(url: URL(string: "http://127.0.0.1:\(copy.port)/v1/files/\(id)/download")!)
        fromCopy.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        let (restoredBytes, restoredResponse) = try await URLSession.shared.data(for: fromCopy)
        #expect((restoredResponse as? HTTPURLResponse)?.statusCode == 200 && Array(restoredBytes) == payload)
    }
}
