import Foundation

/// Failures the simulator can put on, at start (`--fault`) or while running (control endpoint).
package enum Fault: String, Sendable, CaseIterable {
    /// Every answer is delayed (by `latency_ms`).
    case latency
    /// The answer never comes (until the fault is cleared).
    case stall
    /// The connection is closed without a complete answer.
    case drop
    /// A proxy's HTML "502 Bad Gateway" page.
    case html502 = "html-502"
    /// The XML stops half-way (with a matching Content-Length).
    case truncated
    /// A body that is not XML at all.
    case notXML = "not-xml"
    /// `<error>Cannot connect to Elasticsearch</error>`.
    case elasticsearch
    /// `<error>API Requests are disabled</error>`, as if the setting were switched off.
    case apiDisabled = "api-disabled"
    /// Values laced with escape sequences, C1 controls and bidi overrides.
    case hostile
    /// New calls arrive at a third of the normal rate: the outage a baseline alert is for.
    case trafficDrop = "traffic-drop"

    package var summary: String {
        switch self {
        case .latency: return "delay every answer by latency_ms"
        case .stall: return "never answer until cleared"
        case .drop: return "close the connection mid-answer"
        case .html502: return "answer with a proxy's HTML 502 page"
        case .truncated: return "cut the XML off half-way"
        case .notXML: return "answer with a body that is not XML"
        case .elasticsearch: return "answer Cannot connect to Elasticsearch"
        case .apiDisabled: return "answer API Requests are disabled"
        case .hostile: return "put terminal escape sequences into values"
        case .trafficDrop: return "new calls arrive at a third of the normal rate"
        }
    }
}

/// Which faults are on, from when, and until when (nil = until cleared).
package struct FaultBoard: Sendable {
    private var until: [Fault: Date?] = [:]
    private var from: [Fault: Date] = [:]
    package var latencyMilliseconds = 1500

    package init() {}

    package mutating func set(_ fault: Fault, for seconds: Double?, now: Date = Date()) {
        // updateValue, not subscript: assigning a nil `Date?` through the subscript would remove the key.
        until.updateValue(seconds.map { now.addingTimeInterval($0) }, forKey: fault)
        from[fault] = nil
    }

    /// A fault that comes on `delay` seconds from now (the demo's traffic drop), until cleared.
    package mutating func schedule(_ fault: Fault, after delay: Double, now: Date = Date()) {
        until.updateValue(nil, forKey: fault)
        from[fault] = now.addingTimeInterval(max(0, delay))
    }

    /// When a scheduled fault comes on (nil when it is not scheduled).
    package func start(of fault: Fault) -> Date? { from[fault] }

    package mutating func clear(_ fault: Fault? = nil) {
        if let fault { until[fault] = nil; from[fault] = nil } else { until.removeAll(); from.removeAll() }
    }

    package func isOn(_ fault: Fault, now: Date = Date()) -> Bool {
        guard let entry = until[fault] else { return false }
        if let start = from[fault], now < start { return false }
        guard let end = entry else { return true }
        return now < end
    }

    package func active(now: Date = Date()) -> [Fault] {
        Fault.allCases.filter { isOn($0, now: now) }
    }
}
