import Foundation
import Ledger
import TestSupport
import Testing
@testable import Downloader

@Suite("A completed task ends as a verified file in the archive", .serialized)
struct ArchivedDownloadTests {
    @Test("a 50 MB video is archived under its created day with a SHA-256 that matches, and its sidecar")
    func fiftyMegabytesWithSidecar() throws {
        let harness = try DownloadHarness()
        let expected = try harness.server.makeFile("fifty.bin", size: 50 << 20)
        let key = uniqueKey("fifty")
        let url = harness.server.url("fifty.bin", query: "key=\(key)&sig=secret-signature")
        let created = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 3600).rounded(.down))
        try harness.addCompletedTask("task-unified-1761313744-fifty001", results: [url], created: created)
        try harness.start()
        let job = try #require(try harness.waitForJob("task-unified-1761313744-fifty001", timeout: 120))
        #expect(job.state == .done, "\(job.lastError ?? "")")

        let folder = harness.dayFolder(created: created)
        let video = folder + "/task-unified-1761313744-fifty001.mp4"
        #expect(job.archivePath == video)
        #expect(job.sha256 == expected)
        #expect(job.bytesDone == 50 << 20 && job.bytesTotal == 50 << 20)
        #expect(try FileServer.sha256(of: video) == expected)
        #expect(harness.archivedFiles() == [
            String(folder.dropFirst(harness.archive.count + 1)) + "/task-unified-1761313744-fifty001.json",
            String(folder.dropFirst(harness.archive.count + 1)) + "/task-unified-1761313744-fifty001.mp4",
        ])
        #expect(harness.partialFiles().isEmpty)

        let sidecarData = try Data(contentsOf: URL(fileURLWithPath: folder + "/task-unified-1761313744-fifty001.json"))
        let sidecar = try #require(try JSONSerialization.jsonObject(with: sidecarData) as? [String: Any])
        #expect(sidecar["task_id"] as? String == "task-unified-1761313744-fifty001")
        #expect(sidecar["file"] as? String == "task-unified-1761313744-fifty001.mp4")
        #expect(sidecar["source_url"] as? String == url)
        #expect(sidecar["bytes"] as? Int == 50 << 20)
        #expect(sidecar["sha256"] as? String == expected)
        #expect(sidecar["content_type"] as? String == "video/mp4")
        #expect((sidecar["started_at"] as? String)?.hasSuffix("Z") == true)
        #expect((sidecar["finished_at"] as? String)?.hasSuffix("Z") == true)
        let task = try #require(sidecar["task"] as? [String: Any])
        #expect(task["id"] as? String == "task-unified-1761313744-fifty001")
        #expect(task["results"] as? [String] == [url])
        #expect((task["usage"] as? [String: Any])?["billing_rule"] as? String == "per_second")
    }

    @Test("every line about the task carries task_id, and the signed URL's query never reaches the log")
    func logLinesCarryTaskIDWithoutQuery() throws {
        let harness = try DownloadHarness()
        try harness.server.makeFile("logged.bin", size: 3 << 20)
        let key = uniqueKey("logged")
        try harness.addCompletedTask("task-logged", results: [harness.server.url("logged.bin", query: "key=\(key)&sig=s3cr3t")])
        try harness.start()
        #expect(try harness.waitForJob("task-logged")?.state == .done)
        let started = harness.logs.events("download.started", task: "task-logged")
        #expect(started.count == 1)
        #expect(started.first?.metadata["url"] == harness.server.url("logged.bin") + "?…")
        #expect(!harness.logs.events("download.progress", task: "task-logged").isEmpty)
        let done = try #require(harness.logs.events("download.done", task: "task-logged").first)
        #expect(done.metadata["bytes"] == "\(3 << 20)")
        #expect(done.metadata["sha256"]?.count == 64)
        #expect(done.metadata["seconds"] != nil)
        #expect(!harness.logs.text.contains("s3cr3t"))
        let aboutTask = harness.logs.all.filter { $0.event.hasPrefix("download.") && $0.event != "download.service_started" }
        #expect(aboutTask.allSatisfy { $0.metadata["task_id"] == "task-logged" }, "\(harness.logs.text)")
    }

    @Test("a further result is archived beside the video with the extension of its type")
    func extraResultArchivedBeside() throws {
        let harness = try DownloadHarness()
        let videoSHA = try harness.server.makeFile("withframe.bin", size: 2 << 20)
        let frameSHA = try harness.server.makeFile("frame.data", size: 40_000)
        let key = uniqueKey("extra")
        try harness.addCompletedTask("task-extra", results: [
            harness.server.url("withframe.bin", query: "key=\(key)"),
            harness.server.url("frame.data", query: "key=\(key)-frame&type=image/png"),
            harness.server.url("missing.webp", query: "key=\(key)-missing"),
        ])
        try harness.start()
        let job = try #require(try harness.waitForJob("task-extra"))
        #expect(job.state == .done)
        let folder = harness.dayFolder()
        #expect(try FileServer.sha256(of: folder + "/task-extra.mp4") == videoSHA)
        #expect(try FileServer.sha256(of: folder + "/task-extra.1.png") == frameSHA)
        #expect(!FileManager.default.fileExists(atPath: folder + "/task-extra.2.webp"))
        let skipped = harness.logs.events("download.extra_skipped", task: "task-extra")
        #expect(skipped.count == 1 && skipped.first?.metadata["reason"]?.contains("404") == true)
        let sidecarData = try Data(contentsOf: URL(fileURLWithPath: folder + "/task-extra.json"))
        let sidecar = try #require(try JSONSerialization.jsonObject(with: sidecarData) as? [String: Any])
        let extras = try #require(sidecar["extra_files"] as? [[String: Any]])
        #expect(extras.count == 1)
        #expect(extras.first?["file"] as? String == "task-extra.1.png")
        #expect(extras.first?["sha256"] as? String == frameSHA)
        #expect(extras.first?["content_type"] as? String == "image/png")
    }

    @Test("jobs start soonest-expiring link first")
    func soonestDeadlineFirst() throws {
        let harness = try DownloadHarness()
        try harness.server.makeFile("order.bin", size: 200_000)
        let now = Date().timeIntervalSince1970
        let key = uniqueKey("order")
        for (id, age) in [("task-order-young", 100.0), ("task-order-old", 5000.0), ("task-order-middle", 2000.0)] {
            try harness.addCompletedTask(id, results: [harness.server.url("order.bin", query: "key=\(key)-\(id)")],
                                         created: Date(timeIntervalSince1970: now - age))
        }
        try harness.start()
        for id in ["task-order-young", "task-order-old", "task-order-middle"] {
            #expect(try harness.waitForJob(id)?.state == .done)
        }
        let order = harness.logs.events("download.started").compactMap { $0.metadata["task_id"] }
        #expect(order == ["task-order-old", "task-order-middle", "task-order-young"])
    }
}
