import Testing
@testable import Telemetry

@Suite("The Prometheus metrics")
struct DaemonMetricsTests {
    /// Samples of the text format: `name{labels} value`, comments skipped.
    static func samples(_ text: String) -> [String: Double] {
        var result: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            result[String(parts[0])] = value
        }
        return result
    }

    @Test("counters, gauges and the histogram appear in the text format with their values")
    func rendersEveryMetric() {
        let metrics = DaemonMetrics()
        metrics.callback(.accepted)
        metrics.callback(.accepted)
        metrics.callback(.duplicate)
        metrics.handshakeFailed()
        metrics.refused(status: 413)
        metrics.downloaded(bytes: 1000)
        metrics.committed(after: 1_500_000)
        metrics.refresh(downloadJobs: [.queued: 3, .done: 2], oldestLinkSecondsLeft: 3600, openConnections: 7)
        let text = String(decoding: metrics.render(), as: UTF8.self)
        let values = Self.samples(text)
        #expect(values[#"videohookd_callbacks_total{outcome="accepted"}"#] == 2)
        #expect(values[#"videohookd_callbacks_total{outcome="duplicate"}"#] == 1)
        #expect(values[#"videohookd_callbacks_total{outcome="unavailable"}"#] == 0)
        #expect(values["videohookd_tls_handshake_failures_total"] == 1)
        #expect(values[#"videohookd_http_refusals_total{status="413"}"#] == 1)
        #expect(values["videohookd_downloaded_bytes_total"] == 1000)
        #expect(values[#"videohookd_download_jobs{state="queued"}"#] == 3)
        #expect(values[#"videohookd_download_jobs{state="failed"}"#] == 0)
        #expect(values["videohookd_oldest_waiting_link_seconds_left"] == 3600)
        #expect(values["videohookd_open_connections"] == 7)
        #expect(values["videohookd_callback_commit_seconds_count"] == 1)
        #expect(values[#"videohookd_callback_commit_seconds_bucket{le="0.002"}"#] == 1)
        #expect(values[#"videohookd_callback_commit_seconds_bucket{le="0.001"}"#] == 0)
        #expect(text.contains("# TYPE videohookd_callbacks_total counter"))
        #expect(text.contains("# HELP videohookd_callbacks_total"))
    }

    @Test("connections dropped unserved are counted by reason, both reasons shown from the start")
    func droppedConnections() {
        let metrics = DaemonMetrics()
        metrics.connectionDropped(.addressCap)
        metrics.connectionDropped(.addressCap)
        let values = Self.samples(String(decoding: metrics.render(), as: UTF8.self))
        #expect(values[#"videohookd_connections_dropped_total{reason="address_cap"}"#] == 2)
        #expect(values[#"videohookd_connections_dropped_total{reason="displaced"}"#] == 0)
    }

    @Test("dropped log lines follow the log file's own count, scrape after scrape")
    func droppedLogLines() {
        let metrics = DaemonMetrics()
        func value() -> Double? {
            Self.samples(String(decoding: metrics.render(), as: UTF8.self))["videohookd_log_lines_dropped_total"]
        }
        #expect(value() == 0)
        metrics.refreshDroppedLogLines(total: 3)
        #expect(value() == 3)
        metrics.refreshDroppedLogLines(total: 3)
        #expect(value() == 3)
        metrics.refreshDroppedLogLines(total: 10)
        #expect(value() == 10)
    }

    @Test("upload bytes and failures by kind; the bucket gauge appears only once a check has run, and follows it")
    func uploadMetrics() {
        let metrics = DaemonMetrics()
        let before = Self.samples(String(decoding: metrics.render(), as: UTF8.self))
        #expect(before["videohookd_bucket_reachable"] == nil, "no bucket check yet: no gauge")
        #expect(before["videohookd_upload_bytes_total"] == 0)

        metrics.uploaded(bytes: 16 << 20)
        metrics.uploaded(bytes: 1234)
        metrics.uploadFailed(.needsOperator)
        metrics.uploadFailed(.needsOperator)
        metrics.uploadFailed(.transient)
        metrics.bucketReachable(false)
        var values = Self.samples(String(decoding: metrics.render(), as: UTF8.self))
        #expect(values["videohookd_upload_bytes_total"] == Double((16 << 20) + 1234))
        #expect(values[#"videohookd_upload_failures_total{kind="needs_operator"}"#] == 2)
        #expect(values[#"videohookd_upload_failures_total{kind="transient"}"#] == 1)
        #expect(values[#"videohookd_upload_failures_total{kind="failed"}"#] == 0)
        #expect(values["videohookd_bucket_reachable"] == 0)

        metrics.bucketReachable(true)
        values = Self.samples(String(decoding: metrics.render(), as: UTF8.self))
        #expect(values["videohookd_bucket_reachable"] == 1)
    }
}
