import Foundation

/// `<task-id>.json` beside the video: what was archived, from where, and how to check it.
///
/// ```json
/// {
///   "task_id": "task-unified-1761313744-abcd1234",
///   "file": "task-unified-1761313744-abcd1234.mp4",
///   "object": { "bucket": …, "key": …, "url": "s3://…", "etag": …, "version_id": … },
///   "source_url": "https://cdn.example.com/v.mp4?sig=…",
///   "bytes": 52428800,
///   "sha256": "9f86d0…",
///   "content_type": "video/mp4",
///   "etag": "\"5f1…\"",
///   "last_modified": null,
///   "started_at": "2025-10-24T13:49:04Z",
///   "finished_at": "2025-10-24T13:49:31Z",
///   "attempts": 1,
///   "extra_files": [{"index": 1, "file": "….1.png", "source_url": "…", "bytes": 1234,
///                    "sha256": "…", "content_type": "image/png"}],
///   "task": { … the task body exactly as the callback carried it … }
/// }
/// ```
///
/// `object` is there only when the archive is a bucket (see ``ArchivedObject``); a file
/// archive's sidecar has no such key, so its bytes are what they always were. The task
/// body is spliced in as received (it is JSON: the intake parsed it), so no field the
/// daemon does not know is lost to a decode and re-encode.
public struct ArchiveSidecar: Sendable, Equatable {
    public struct ExtraFile: Sendable, Equatable {
        public var index: Int
        public var file: String
        public var sourceURL: String
        public var bytes: Int64
        public var sha256: String
        public var contentType: String?

        public init(index: Int, file: String, sourceURL: String, bytes: Int64, sha256: String, contentType: String?) {
            self.index = index
            self.file = file
            self.sourceURL = sourceURL
            self.bytes = bytes
            self.sha256 = sha256
            self.contentType = contentType
        }
    }

    public var taskID: String
    public var file: String
    public var sourceURL: String
    public var bytes: Int64
    public var sha256: String
    public var contentType: String?
    public var etag: String?
    public var lastModified: String?
    public var startedAt: Date
    public var finishedAt: Date
    public var attempts: Int
    public var extraFiles: [ExtraFile]
    /// The raw task body; spliced verbatim when it is JSON, else kept as a string.
    public var taskBody: [UInt8]
    /// The bucket's object, when the archive is one; nil for a file, whose sidecar stays
    /// as it always was (no `object` key at all).
    public var object: ArchivedObject?

    public init(taskID: String, file: String, sourceURL: String, bytes: Int64, sha256: String, contentType: String?,
                etag: String?, lastModified: String?, startedAt: Date, finishedAt: Date, attempts: Int,
                extraFiles: [ExtraFile], taskBody: [UInt8], object: ArchivedObject? = nil) {
        self.taskID = taskID
        self.file = file
        self.sourceURL = sourceURL
        self.bytes = bytes
        self.sha256 = sha256
        self.contentType = contentType
        self.etag = etag
        self.lastModified = lastModified
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.attempts = attempts
        self.extraFiles = extraFiles
        self.taskBody = taskBody
        self.object = object
    }

    /// The sidecar's bytes: pretty-printed, keys in the order above, ending in a newline.
    public func encoded() -> [UInt8] {
        var writer = JSONTextWriter()
        writer.open()
        writer.field("task_id", .string(taskID))
        writer.field("file", .string(file))
        if let object { writer.field("object", .raw(object.sidecarJSON())) }
        writer.field("source_url", .string(sourceURL))
        writer.field("bytes", .integer(bytes))
        writer.field("sha256", .string(sha256))
        writer.field("content_type", contentType.map { .string($0) } ?? .null)
        writer.field("etag", etag.map { .string($0) } ?? .null)
        writer.field("last_modified", lastModified.map { .string($0) } ?? .null)
        writer.field("started_at", .string(Self.timestamp(startedAt)))
        writer.field("finished_at", .string(Self.timestamp(finishedAt)))
        writer.field("attempts", .integer(Int64(attempts)))
        writer.field("extra_files", .raw(extraFilesJSON()))
        if Self.isJSON(taskBody) {
            writer.field("task", .raw(String(decoding: taskBody, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        } else {
            writer.field("task", .null)
            writer.field("task_body_text", .string(String(decoding: taskBody, as: UTF8.self)))
        }
        writer.close()
        return Array(writer.text.utf8)
    }

    private func extraFilesJSON() -> String {
        guard !extraFiles.isEmpty else { return "[]" }
        let items = extraFiles.map { extra -> String in
            var writer = JSONTextWriter(indent: "    ", compact: true)
            writer.open()
            writer.field("index", .integer(Int64(extra.index)))
            writer.field("file", .string(extra.file))
            writer.field("source_url", .string(extra.sourceURL))
            writer.field("bytes", .integer(extra.bytes))
            writer.field("sha256", .string(extra.sha256))
            writer.field("content_type", extra.contentType.map { .string($0) } ?? .null)
            writer.close()
            return "    " + writer.text.dropLast()
        }
        return "[\n" + items.joined(separator: ",\n") + "\n  ]"
    }

    /// `2025-10-24T13:49:04.123Z`: UTC, milliseconds.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    private static func isJSON(_ bytes: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
    }
}
