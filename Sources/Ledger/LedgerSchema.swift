import GRDB

/// The ledger's tables, as migrations. A migration once shipped is never edited: a
/// change is a new migration appended below, so every ledger on disk can catch up.
enum LedgerSchema {
    /// Every migration, oldest first: the identifier GRDB records once it ran, and its
    /// SQL, in SQLite's dialect (``PostgresLedgerSchema`` translates it).
    static let migrations: [(identifier: String, sql: String)] = [
        ("v1", v1),
        ("v2-download-resume", v2DownloadResume),
        ("v3-api-tasks", v3APITasks),
        ("v4-notifications", v4Notifications),
        ("v5-object-uploads", v5ObjectUploads),
        ("v6-released-bytes", v6ReleasedBytes),
        ("v7-leases", v7Leases),
        ("v8-download-attempts", v8DownloadAttempts),
        // SQLite only (``SQLiteCheckLists``); recorded on PostgreSQL too, so that both
        // backends keep one list of migrations. Empty SQL: nothing to run there.
        ("v9-check-lists", ""),
    ]

    /// What a migration does on SQLite beyond its SQL.
    private static let sqliteSteps: [String: @Sendable (Database) throws -> Void] = [
        "v9-check-lists": SQLiteCheckLists.rewrite,
    ]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.identifier) { db in
                if !migration.sql.isEmpty { try db.execute(sql: migration.sql) }
                try sqliteSteps[migration.identifier]?(db)
            }
        }
        return migrator
    }

    /// Times are unix seconds: `created` an integer as the API sends it, the daemon's
    /// own times REAL with their fraction. Raw bodies are BLOBs, stored as received.
    private static let v1 = """
        -- One row per task: its last accepted state.
        CREATE TABLE tasks (
            id              TEXT PRIMARY KEY NOT NULL,
            status          TEXT NOT NULL
                CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
            progress        INTEGER,
            results         TEXT,               -- JSON array of URLs, the video first
            error_code      TEXT,               -- string codes as sent, integer codes in decimal
            error_message   TEXT,
            created         INTEGER,            -- the API's `created`
            model           TEXT,
            first_seen      REAL NOT NULL,
            last_seen       REAL NOT NULL,
            last_body       BLOB,               -- raw body of the accepted state
            submitted_by_us INTEGER NOT NULL DEFAULT 0 CHECK (submitted_by_us IN (0, 1)),
            request_json    TEXT                -- the create request, when we sent it
        ) STRICT;
        CREATE INDEX tasks_by_status ON tasks (status, first_seen);

        -- One row per distinct event: task id + status + result URLs. A repeat only
        -- counts and moves last_seen. `applied` says whether it moved the task's state.
        CREATE TABLE events (
            id              INTEGER PRIMARY KEY,
            task_id         TEXT NOT NULL REFERENCES tasks (id),
            status          TEXT NOT NULL
                CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
            results_key     TEXT NOT NULL,      -- result URLs joined by newlines ('' for none)
            progress        INTEGER,
            first_seen      REAL NOT NULL,
            last_seen       REAL NOT NULL,
            duplicate_count INTEGER NOT NULL DEFAULT 0 CHECK (duplicate_count >= 0),
            applied         INTEGER NOT NULL CHECK (applied IN (0, 1)),
            raw_body        BLOB NOT NULL,
            peer            TEXT NOT NULL,
            UNIQUE (task_id, status, results_key)
        ) STRICT;

        -- One job per completed task, enforced here and not only by the code.
        CREATE TABLE download_jobs (
            id              INTEGER PRIMARY KEY,
            task_id         TEXT NOT NULL UNIQUE REFERENCES tasks (id),
            state           TEXT NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'running', 'done', 'failed')),
            source_url      TEXT NOT NULL,
            deadline        REAL NOT NULL,      -- when the link expires: created + 24 h
            attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            next_attempt_at REAL NOT NULL,
            bytes_done      INTEGER NOT NULL DEFAULT 0 CHECK (bytes_done >= 0),
            bytes_total     INTEGER,
            last_error      TEXT,
            archive_path    TEXT,
            created_at      REAL NOT NULL,
            updated_at      REAL NOT NULL
        ) STRICT;
        CREATE INDEX download_jobs_by_deadline ON download_jobs (state, deadline);

        -- JSON bodies that are not a task the daemon understands: answered 2xx, kept.
        CREATE TABLE unrecognized_callbacks (
            id              INTEGER PRIMARY KEY,
            received_at     REAL NOT NULL,
            peer            TEXT NOT NULL,
            reason          TEXT NOT NULL,
            body            BLOB NOT NULL,      -- cut to LedgerLimits.maxUnrecognizedBodyBytes
            body_length     INTEGER NOT NULL    -- length as received
        ) STRICT;

        -- Bodies answered 400 or 413: kept, cut, with the reason.
        CREATE TABLE rejected_bodies (
            id              INTEGER PRIMARY KEY,
            received_at     REAL NOT NULL,
            peer            TEXT NOT NULL,
            status_code     INTEGER NOT NULL,
            reason          TEXT NOT NULL,
            path            TEXT NOT NULL,      -- the callback token replaced by <token>
            body            BLOB NOT NULL,      -- cut to LedgerLimits.maxRejectedBodyBytes
            body_length     INTEGER NOT NULL    -- length as received or declared
        ) STRICT;
        """

    /// What the downloader needs to resume a file safely and to describe it after: the
    /// validators of the response it is resuming (`If-Range`), the content type, the
    /// SHA-256 of the archived file, where the partial file is, and when it ran.
    private static let v2DownloadResume = """
        ALTER TABLE download_jobs ADD COLUMN etag TEXT;            -- strong ETag of the response being resumed
        ALTER TABLE download_jobs ADD COLUMN last_modified TEXT;   -- its Last-Modified, the fallback validator
        ALTER TABLE download_jobs ADD COLUMN content_type TEXT;
        ALTER TABLE download_jobs ADD COLUMN sha256 TEXT;          -- hex, of the archived video
        ALTER TABLE download_jobs ADD COLUMN partial_path TEXT;    -- <archive>/.partial/<task-id>.0.part
        ALTER TABLE download_jobs ADD COLUMN started_at REAL;      -- first attempt
        ALTER TABLE download_jobs ADD COLUMN finished_at REAL;     -- done or failed
        CREATE INDEX download_jobs_by_due ON download_jobs (state, next_attempt_at);
        """

    /// What talking to the video API needs on a task: its estimated time (when the
    /// reconciler expects it to have ended), whether the API confirmed a completed
    /// callback, and the reconciler's schedule for asking the API about it.
    private static let v3APITasks = """
        ALTER TABLE tasks ADD COLUMN estimated_time INTEGER;        -- task_info.estimated_time, seconds
        ALTER TABLE tasks ADD COLUMN verification TEXT
            CHECK (verification IN ('pending', 'verified', 'unverified', 'contradicted'));
        ALTER TABLE tasks ADD COLUMN verification_note TEXT;       -- why a callback was contradicted
        ALTER TABLE tasks ADD COLUMN check_attempts INTEGER NOT NULL DEFAULT 0 CHECK (check_attempts >= 0);
        ALTER TABLE tasks ADD COLUMN next_check_at REAL;           -- NULL: at the task's expected end
        ALTER TABLE tasks ADD COLUMN last_checked_at REAL;
        ALTER TABLE tasks ADD COLUMN last_check_note TEXT;         -- what the last question to the API gave
        ALTER TABLE tasks ADD COLUMN checks_ended_at REAL;         -- the reconciler stopped asking
        CREATE INDEX tasks_awaiting_verification ON tasks (verification) WHERE verification = 'pending';
        """

    /// The outbox (issue 19): one row per event, committed with the change that caused
    /// it; one delivery per event and target, fanned out in the same transaction to the
    /// targets the settings name (`notification_targets`, kept in step by `serve`); one
    /// row per attempt, for `events show`.
    private static let v4Notifications = """
        CREATE TABLE notification_targets (
            key             TEXT PRIMARY KEY NOT NULL,  -- 'webhook <url>' or 'command <argv>'
            events          TEXT NOT NULL,              -- ',task.completed,video.archived,'
            active          INTEGER NOT NULL CHECK (active IN (0, 1))
        ) STRICT;

        CREATE TABLE notification_events (
            seq             INTEGER PRIMARY KEY,
            id              TEXT NOT NULL UNIQUE,       -- evt_…, the webhook-id of every attempt
            type            TEXT NOT NULL
                CHECK (type IN ('task.completed', 'video.archived', 'task.failed', 'download.failed')),
            task_id         TEXT NOT NULL REFERENCES tasks (id),
            created_at      REAL NOT NULL,
            body            BLOB NOT NULL               -- the JSON body every attempt sends
        ) STRICT;
        CREATE INDEX notification_events_by_task ON notification_events (task_id, seq);

        CREATE TABLE notification_deliveries (
            id              INTEGER PRIMARY KEY,
            event_seq       INTEGER NOT NULL REFERENCES notification_events (seq),
            target          TEXT NOT NULL,
            state           TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'running', 'delivered', 'failed')),
            attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            next_attempt_at REAL NOT NULL,
            last_error      TEXT,
            created_at      REAL NOT NULL,
            updated_at      REAL NOT NULL,
            finished_at     REAL,
            UNIQUE (event_seq, target)
        ) STRICT;
        CREATE INDEX notification_deliveries_due ON notification_deliveries (state, next_attempt_at);

        CREATE TABLE notification_attempts (
            id              INTEGER PRIMARY KEY,
            delivery_id     INTEGER NOT NULL REFERENCES notification_deliveries (id),
            attempt         INTEGER NOT NULL CHECK (attempt >= 1),
            started_at      REAL NOT NULL,
            duration_ms     REAL NOT NULL,
            outcome         TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed')),
            http_status     INTEGER,
            exit_code       INTEGER,
            error           TEXT,
            output          TEXT                        -- a command's output, cut to 4 KiB
        ) STRICT;
        """

    /// Archiving to an S3-compatible bucket (issue 20): the task's object upload and its
    /// finished parts, so that after a crash or `kill -9` the same multipart upload is
    /// resumed from its last recorded part instead of a second object being started, and
    /// so that the sweep at start can tell its own upload ids from strays. The download
    /// job keeps what HeadObject said of the archived object.
    ///
    /// Plain SQL a PostgreSQL ledger can mirror as it stands: natural keys (no rowid),
    /// CHECK and UNIQUE constraints, a composite foreign key; STRICT only as on every
    /// other table (the PostgreSQL form drops it, its columns being typed anyway).
    private static let v5ObjectUploads = """
        -- One upload per task (its primary key) and one per object (bucket, key). The
        -- upload id is NULL for a single PutObject; a multipart one is unique per bucket.
        CREATE TABLE object_uploads (
            task_id         TEXT PRIMARY KEY NOT NULL REFERENCES tasks (id),
            bucket          TEXT NOT NULL CHECK (length(bucket) BETWEEN 3 AND 63),
            object_key      TEXT NOT NULL CHECK (length(object_key) BETWEEN 1 AND 1024),
            upload_id       TEXT CHECK (upload_id IS NULL OR length(upload_id) > 0),
            part_size       INTEGER NOT NULL CHECK (part_size BETWEEN 5242880 AND 5368709120),
            state           TEXT NOT NULL DEFAULT 'uploading'
                CHECK (state IN ('uploading', 'completed', 'verified')),
            bytes_total     INTEGER CHECK (bytes_total >= 0),      -- the video's length, once known
            etag            TEXT,                                   -- as HeadObject gave it
            version_id      TEXT,                                   -- NULL in an unversioned bucket
            last_error      TEXT,
            attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),   -- refusals so far
            next_attempt_at REAL,                                   -- after a refusal: not before
            created_at      REAL NOT NULL,
            updated_at      REAL NOT NULL,
            completed_at    REAL,                                   -- CompleteMultipartUpload or PutObject answered
            verified_at     REAL,                                   -- HeadObject showed size and metadata
            UNIQUE (bucket, object_key),
            UNIQUE (bucket, upload_id),
            UNIQUE (task_id, upload_id),                            -- the parts' foreign key
            CHECK (state = 'uploading' OR completed_at IS NOT NULL),
            CHECK (state <> 'verified' OR (etag IS NOT NULL AND verified_at IS NOT NULL))
        ) STRICT;

        -- The parts of a multipart upload that the store acknowledged. A part belongs to
        -- one upload id: a part of an abandoned upload cannot count towards a new one.
        CREATE TABLE object_upload_parts (
            task_id         TEXT NOT NULL,
            upload_id       TEXT NOT NULL,
            part_number     INTEGER NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
            bytes           INTEGER NOT NULL CHECK (bytes BETWEEN 0 AND 5368709120),
            etag            TEXT NOT NULL CHECK (length(etag) > 0),
            checksum_sha256 TEXT NOT NULL CHECK (length(checksum_sha256) = 44),  -- base64 of 32 bytes
            uploaded_at     REAL NOT NULL,
            PRIMARY KEY (task_id, part_number),
            FOREIGN KEY (task_id, upload_id) REFERENCES object_uploads (task_id, upload_id)
        ) STRICT;

        ALTER TABLE download_jobs ADD COLUMN object_etag TEXT;        -- the archived object's, from HeadObject
        ALTER TABLE download_jobs ADD COLUMN object_version_id TEXT;  -- NULL when the bucket keeps no versions
        """

    /// The bucket archive's bounded disk (issue 20): once a part is in the bucket and
    /// recorded, its bytes are released from the partial file (a hole punched, the length
    /// kept), so a resume can no longer read them to re-hash the whole video. Each part
    /// keeps the whole file's SHA-256 state at its end, which a resume continues from; the
    /// job keeps how many of the file's first bytes were released, which a resume must
    /// find covered by such a state or start the file over.
    private static let v6ReleasedBytes = """
        -- Hashing's SHA256Midstate, encoded: the eight words and the byte count (40 bytes),
        -- then the bytes after the last 64-byte block. NULL for a part recorded without it
        -- (before this migration, or with s3.keep_local, which releases nothing).
        ALTER TABLE object_upload_parts ADD COLUMN sha256_midstate BLOB
            CHECK (sha256_midstate IS NULL OR length(sha256_midstate) BETWEEN 40 AND 103);

        -- The partial file's first bytes that were released from the disk (read as zeros).
        -- Never more than bytes_done: every write of bytes_done lowers it with it.
        ALTER TABLE download_jobs ADD COLUMN bytes_released INTEGER NOT NULL DEFAULT 0
            CHECK (bytes_released >= 0);
        """

    /// Several instances on one ledger (issue 21): work is claimed with an owner and a
    /// lease the owner renews, and taken over once the lease lapses (its instance died).
    /// A download job and a delivery carry their owner (an `instances.id`) and lease
    /// while `running`; a singleton (the reconciler) holds a row of `leases`; every
    /// `serve` registers itself in `instances` and beats there. A job also says which
    /// archive folder's partial file holds its `bytes_done` (`partial_archive`, the
    /// identity in `<archive_dir>/.partial-id`): a partial file left on another host, or
    /// a stale one on this host after another instance moved the job on, is not resumed.
    ///
    /// Additive only, so that an instance of the version before keeps working on the
    /// migrated ledger until it is replaced.
    private static let v7Leases = """
        ALTER TABLE download_jobs ADD COLUMN owner TEXT;            -- instances.id of the instance running it
        ALTER TABLE download_jobs ADD COLUMN lease_until REAL;      -- taken over by another instance once past
        ALTER TABLE download_jobs ADD COLUMN partial_archive TEXT;  -- the archive folder holding the partial file
        ALTER TABLE notification_deliveries ADD COLUMN owner TEXT;
        ALTER TABLE notification_deliveries ADD COLUMN lease_until REAL;
        CREATE INDEX download_jobs_by_owner ON download_jobs (owner) WHERE owner IS NOT NULL;
        CREATE INDEX notification_deliveries_by_owner ON notification_deliveries (owner) WHERE owner IS NOT NULL;

        -- Work only one instance at a time does (the reconciler): its holder and lease.
        CREATE TABLE leases (
            name            TEXT PRIMARY KEY NOT NULL,
            owner           TEXT NOT NULL,              -- instances.id
            until           REAL NOT NULL
        ) STRICT;

        -- Every `serve` that ran on this ledger: alive while it beats within its lease.
        CREATE TABLE instances (
            id              TEXT PRIMARY KEY NOT NULL,  -- inst_…, made at start
            host            TEXT NOT NULL,
            pid             INTEGER NOT NULL,
            version         TEXT,
            started_at      REAL NOT NULL,
            heartbeat_at    REAL NOT NULL,
            stopped_at      REAL,                       -- a clean stop; NULL while running or after a crash
            lease_seconds   REAL NOT NULL CHECK (lease_seconds > 0)  -- its leases' length: lapsed past heartbeat + this
        ) STRICT;
        """

    /// The archive page and API (issue 22): a task's story tells every download attempt
    /// and why it ended, where the job keeps only the count and the last error. One row
    /// per attempt that ended (`retry`: failed and scheduled again; `failed`: given up;
    /// `done`: archived), written in the transaction that moves the job. The task list
    /// pages newest first by `(first_seen, id)`, which the second index serves.
    private static let v8DownloadAttempts = """
        CREATE TABLE download_attempts (
            id              INTEGER PRIMARY KEY,
            task_id         TEXT NOT NULL REFERENCES tasks (id),
            attempt         INTEGER NOT NULL CHECK (attempt >= 1),   -- 1 for the first since the job (re)started
            ended_at        REAL NOT NULL,
            outcome         TEXT NOT NULL CHECK (outcome IN ('retry', 'failed', 'done')),
            reason          TEXT,                                    -- NULL for done
            bytes_done      INTEGER NOT NULL CHECK (bytes_done >= 0)
        ) STRICT;
        CREATE INDEX download_attempts_by_task ON download_attempts (task_id, id);
        CREATE INDEX tasks_by_first_seen ON tasks (first_seen, id);
        """
}
