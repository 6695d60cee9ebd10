import Archive
import Testing

@Suite("Archive layout")
struct ArchiveLayoutTests {
    let layout = ArchiveLayout(root: "/srv/archive/")

    @Test("the video and its sidecar go under the task's created day in UTC")
    func createdDayInUTC() throws {
        // 2025-10-24 23:59:59 UTC, a moment that is already the 25th east of Greenwich.
        #expect(try layout.videoPath(taskID: "task-unified-1761350399-abcd1234", createdUnixSeconds: 1_761_350_399)
                == "/srv/archive/2025/10/24/task-unified-1761350399-abcd1234.mp4")
        #expect(try layout.sidecarPath(taskID: "t_1", createdUnixSeconds: 1_761_350_400)
                == "/srv/archive/2025/10/25/t_1.json")
        #expect(layout.directory(createdUnixSeconds: 0) == "/srv/archive/1970/01/01")
    }

    @Test("further results are named by index and extension")
    func extraPaths() throws {
        #expect(try layout.extraPath(taskID: "t", createdUnixSeconds: 1_700_000_000, index: 1, fileExtension: "png")
                == "/srv/archive/2023/11/14/t.1.png")
        #expect(throws: UnsafeArchiveName.self) {
            try layout.extraPath(taskID: "t", createdUnixSeconds: 0, index: 1, fileExtension: "png/../x")
        }
    }

    @Test("partial files sit in .partial under the root, one per result index")
    func partialPaths() throws {
        #expect(layout.partialDirectory == "/srv/archive/.partial")
        #expect(try layout.partialPath(taskID: "abc", index: 0) == "/srv/archive/.partial/abc.0.part")
        #expect(try layout.sidecarTemporaryPath(taskID: "abc") == "/srv/archive/.partial/abc.json.part")
    }

    @Test("a task id that is not safe as a file name never becomes a path", arguments: [
        "", "../etc", "a/b", "a.b", "x\u{0}y", "tâche", String(repeating: "a", count: 129), "a b",
    ])
    func unsafeIDsRefused(_ id: String) {
        #expect(throws: UnsafeArchiveName.self) { try layout.videoPath(taskID: id, createdUnixSeconds: 0) }
        #expect(throws: UnsafeArchiveName.self) { try layout.partialPath(taskID: id, index: 0) }
        #expect(!ArchiveName.isSafe(id))
    }

    @Test("the longest safe id is accepted")
    func longestSafeID() throws {
        let id = String(repeating: "a", count: 128)
        #expect(ArchiveName.isSafe(id))
        #expect(try layout.videoPath(taskID: id, createdUnixSeconds: 0).hasSuffix("/\(id).mp4"))
    }
}

@Suite("Partial file names")
struct PartialFileNameTests {
    @Test("names the module makes parse back to their task and index", arguments: [
        ("task-1.0.part", "task-1", PartialFileName.Kind.result(index: 0)),
        ("t_2.12.part", "t_2", .result(index: 12)),
        ("abc.json.part", "abc", .sidecar),
    ])
    func parsesOwnNames(_ name: String, _ task: String, _ kind: PartialFileName.Kind) throws {
        let parsed = try #require(PartialFileName(parsing: name))
        #expect(parsed.taskID == task && parsed.kind == kind)
        #expect(parsed.fileName == name)
    }

    @Test("anything else is not a partial file name", arguments: [
        "notes.txt", "a.part", "a.-1.part", "a.01.part", "a.b.0.part", "../a.0.part", ".0.part", "a.0.part.tmp",
    ])
    func othersAreNot(_ name: String) {
        #expect(PartialFileName(parsing: name) == nil)
    }
}

@Suite("Media extensions")
struct MediaExtensionTests {
    @Test("the Content-Type decides when it is known, else the URL's extension, else bin", arguments: [
        ("image/png", "https://x/y/frame", "png"),
        ("IMAGE/JPEG; charset=binary", "https://x/y", "jpg"),
        ("application/octet-stream", "https://x/last.WEBP?sig=1", "webp"),
        (nil, "https://x/a.jpeg#f", "jpg"),
        (nil, "https://x/a", "bin"),
        ("text/x-weird", "https://x/a.toolongextension", "bin"),
        (nil, "https://x/a.p/g", "bin"),
        (nil, "https://x/a.p%2F", "bin"),
    ] as [(String?, String, String)])
    func extensionChosen(_ type: String?, _ url: String, _ expected: String) {
        #expect(MediaExtension.forResult(contentType: type, url: url) == expected)
    }
}
