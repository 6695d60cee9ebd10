import Archive
import Testing

@Suite("Object key layout")
struct ObjectKeyLayoutTests {
    @Test("keys are the file archive's names under the prefix, on the same UTC day")
    func sameDayAsFiles() throws {
        let keys = ObjectKeyLayout(prefix: "videos/")
        let files = ArchiveLayout(root: "/srv/archive")
        // 23:59:59 UTC on the 24th: already the 25th east of Greenwich.
        let created: Int64 = 1_761_350_399
        #expect(try keys.videoKey(taskID: "task-unified-1761350399-abcd1234", createdUnixSeconds: created)
                == "videos/2025/10/24/task-unified-1761350399-abcd1234.mp4")
        #expect(try keys.sidecarKey(taskID: "t_1", createdUnixSeconds: created + 1) == "videos/2025/10/25/t_1.json")
        #expect(try keys.extraKey(taskID: "t", createdUnixSeconds: created, index: 2, fileExtension: "png")
                == "videos/2025/10/24/t.2.png")
        #expect(try files.videoPath(taskID: "t", createdUnixSeconds: created).hasSuffix(
            String(try keys.videoKey(taskID: "t", createdUnixSeconds: created).dropFirst("videos".count))))
        #expect(try ObjectKeyLayout(prefix: "").videoKey(taskID: "t", createdUnixSeconds: 0) == "1970/01/01/t.mp4")
    }

    @Test("an unsafe task id or extension never becomes a key", arguments: ["", "../x", "a/b", "a.b", "a b"])
    func unsafeRefused(_ id: String) {
        let keys = ObjectKeyLayout(prefix: "p/")
        #expect(throws: UnsafeArchiveName.self) { try keys.videoKey(taskID: id, createdUnixSeconds: 0) }
        #expect(throws: UnsafeArchiveName.self) { try keys.sidecarKey(taskID: id, createdUnixSeconds: 0) }
        #expect(throws: UnsafeArchiveName.self) {
            try keys.extraKey(taskID: "t", createdUnixSeconds: 0, index: 1, fileExtension: id.isEmpty ? "" : "x/\(id)")
        }
    }
}
