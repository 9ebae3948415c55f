import Foundation
import Testing
import Watch

@Suite("docs/metrics.md is the metric table")
struct MetricReferenceTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/metrics.md").standardized

    @Test("The committed reference is what the table generates (M4TOP_UPDATE_DOCS=1 rewrites it)")
    func referenceIsCurrent() throws {
        let generated = MetricReference.markdown()
        if ProcessInfo.processInfo.environment["M4TOP_UPDATE_DOCS"] == "1" {
            try generated.write(to: Self.file, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: Self.file, encoding: .utf8)
        #expect(committed == generated, "docs/metrics.md is stale: run M4TOP_UPDATE_DOCS=1 swift test --filter MetricReference")
    }

    @Test("Every path, Prometheus name and stored version of the table appears in the reference")
    func everyMetricListed() {
        let text = MetricReference.markdown()
        for metric in MetricTable.all {
            #expect(text.contains("| `\(metric.path)` |"), "\(metric.path)")
            if let name = metric.exporterName { #expect(text.contains("`\(name)`"), "\(name)") }
        }
    }
}
