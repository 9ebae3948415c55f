import Foundation
import M4API
import Simulator
import TestSupport
import Testing

/// HTTPS against the simulator with a self-signed certificate made for the test (openssl).
@Suite("TLS: verified unless --insecure")
struct TLSTests {
    /// A throwaway self-signed certificate for 127.0.0.1.
    static func selfSigned() throws -> RunningSimulator.TLSFiles {
        let dir = NSTemporaryDirectory() + "m4top-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                             "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
                             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "openssl made a certificate")
        return RunningSimulator.TLSFiles(certificate: dir + "/cert.pem", privateKey: dir + "/key.pem")
    }

    @Test("A self-signed certificate is refused as a TLS error, and accepted with insecure")
    func selfSignedCertificate() async throws {
        let running = try await RunningSimulator.start(SimulatedServer(sampleMode: true), tls: try Self.selfSigned())
        #expect(running.baseURL.hasPrefix("https://"))
        let url = try QuickStatsEndpoint.methodURL(fromBase: running.baseURL)
        let strict = M4Client(settings: ConnectionSettings(methodURL: url, timeoutSeconds: 5), secret: "secret")
        let lax = M4Client(settings: ConnectionSettings(methodURL: url, timeoutSeconds: 5, insecureTLS: true), secret: "secret")
        let verified = await ClientOverLoopbackTests.outcome(strict)
        let insecure = await ClientOverLoopbackTests.outcome(lax)
        await running.stop()
        guard case .failure(.transport(.tls(let reason))) = verified else {
            Issue.record("a self-signed certificate must be refused as a TLS error, got \(verified)")
            return
        }
        #expect(!reason.isEmpty)
        #expect(FetchError.transport(.tls(reason: reason)).hint?.contains("--insecure") == true)
        #expect((try? insecure.get())?.today?["revenue"]?.text == "1.4475")
    }
}
