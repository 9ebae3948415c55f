import Foundation
import Testing
import TestSupport

/// Answers that crashed or misled m4top once (issue "Hostile servers"), served byte for byte
/// from `Tests/Fixtures/hostile` to the real binary: it must end with a clear error or the
/// exact value, never a crash (exit 132/134/139) or a wrong number.
@Suite("Hostile answers through the real binary")
struct HostileAnswerTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/hostile")

    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: fixtures.appendingPathComponent(name))
    }

    /// Serves `response` and runs `m4top --once` against it.
    static func once(_ response: Data, format: String = "json") async throws -> (status: Int32, output: String) {
        let server = try RawHTTPServer(response: response)
        defer { server.stop() }
        return try await OneShotBinaryTests.m4top(["--once", "--format", format, "--no-hash", "--url", server.baseURL], secret: nil)
    }

    @Test("Refused with exit 3 and a plain reason, never a crash",
          arguments: [("invalid-utf8-name.xml", "not UTF-8"),
                      ("deep-nesting.xml", "nested more than 16 deep"),
                      ("many-elements.xml", "more than 2000 elements"),
                      ("duplicate-keys.xml", "sends <today.calls> twice"),
                      // Found by scripts/fuzz: both trapped inside FoundationXML.
                      ("found-encoding-declaration.xml", "not UTF-8"),
                      ("found-empty-processing-instruction.xml", "processing instructions and DTDs are not part of an answer")])
    func refused(file: String, reason: String) async throws {
        let result = try await Self.once(RawHTTPServer.ok(try Self.fixture(file)))
        #expect(result.status == 3, "\(file): \(result.output.prefix(300))")
        #expect(result.output.contains(reason), "\(file): \(result.output.prefix(300))")
    }

    @Test("Durations past Int64 show the server's exact text, never a wrapped number",
          arguments: ["duration-int64-min.xml", "duration-huge.xml"])
    func hugeDurations(file: String) async throws {
        let body = try Self.fixture(file)
        let sent = String(decoding: body, as: UTF8.self).components(separatedBy: "<duration>")[1].components(separatedBy: "<")[0]
        let result = try await Self.once(RawHTTPServer.ok(body), format: "text")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains(sent), "\(result.output)")
    }

    @Test("Server elements never pose as m4top's own keys in JSON")
    func ownKeys() async throws {
        let result = try await Self.once(RawHTTPServer.ok(try Self.fixture("own-keys.xml")))
        #expect(result.status == 0)
        let line = try #require(result.output.split(separator: "\n").first { $0.hasPrefix("{") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect((object["server"] as? String)?.hasPrefix("http://127.0.0.1:") == true)
        #expect(object["user"] as? String == "admin")
        #expect(object["quickstats_server"] as? String == "http://evil.example/billing")
        #expect(object["quickstats_user"] as? String == "root")
    }

    @Test("A number beyond the double range is written as a string with its exact text")
    func beyondDouble() async throws {
        let result = try await Self.once(RawHTTPServer.ok(try Self.fixture("beyond-double.xml")))
        #expect(result.status == 0)
        #expect(result.output.contains(#""revenue": "1e400""#), "\(result.output)")
    }

    @Test("An HTTP status line below 100 is a response error, not the end of the process")
    func statusBelow100() async throws {
        let result = try await Self.once(try Self.fixture("status-000.http"))
        #expect(result.status == 3, "\(result.output.prefix(400))")
    }

    @Test("A redirect's Location is shown without its query: the admin's hash never leaves m4top")
    func redirectHidesHash() async throws {
        let hash = "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4"
        let response = Data("HTTP/1.1 301 Moved Permanently\r\nLocation: https://ops:pw@evil.example/billing/api/quickstats_get?u=admin&hash=\(hash)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
        let server = try RawHTTPServer(response: response)
        defer { server.stop() }
        let result = try await OneShotBinaryTests.m4top(["--once", "--format", "json", "--get", "--url", server.baseURL])
        #expect(result.status == 3)
        #expect(result.output.contains("redirect to https://evil.example/billing/api/quickstats_get"), "\(result.output)")
        #expect(!result.output.contains(hash) && !result.output.contains("hash=") && !result.output.contains("ops:pw"))
    }

    @Test("A password in --url is never printed")
    func passwordInURL() async throws {
        let server = try RawHTTPServer(response: RawHTTPServer.ok(Data("<page><quickstats><today><calls>4</calls></today></quickstats></page>".utf8)))
        defer { server.stop() }
        let url = server.baseURL.replacingOccurrences(of: "http://", with: "http://ops:hunter2@")
        for format in ["json", "text"] {
            let result = try await OneShotBinaryTests.m4top(["--once", "--format", format, "--no-hash", "--url", url], secret: nil)
            #expect(result.status == 0)
            #expect(!result.output.contains("hunter2") && !result.output.contains("ops:"), "\(result.output)")
        }
    }

    @Test("A log file that cannot be written (a full disk) never ends m4top; it says so once")
    func fullLogDisk() async throws {
        let server = try RawHTTPServer(response: RawHTTPServer.ok(Data("<page><quickstats><today><calls>4</calls></today></quickstats></page>".utf8)))
        defer { server.stop() }
        let result = try await OneShotBinaryTests.m4top(["--once", "--no-hash", "--log-file", "/dev/full", "--url", server.baseURL], secret: nil)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.components(separatedBy: "logging stopped").count == 2, "said once: \(result.output)")
    }
}
