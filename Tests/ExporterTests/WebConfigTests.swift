@testable import Exporter
import Foundation
import Hummingbird
import HummingbirdBcrypt
import Testing

/// `--web.config.file` (exporter-toolkit's YAML), the TLS files' own messages, basic auth.
@Suite("Exporter web config, TLS files and basic auth")
struct WebConfigTests {
    /// Made by Apache's `htpasswd -nbBC 10 "" 'pa:ss w0rd'` (2.4.71), not by the code under test.
    static let htpasswdHash = "$2y$10$Yi.8MA4BQsHQFYRPOT6eeuJkQ2OJ9UpMptPfW1oous.0gcHaSmDZy"
    static let htpasswdPassword = "pa:ss w0rd"

    func parse(_ yaml: String) -> Result<WebConfig, WebConfig.Invalid> {
        Result { () throws(WebConfig.Invalid) in try WebConfig.parse(yaml, path: "web.yml", folder: "/etc/m4top") }
    }

    func error(_ yaml: String) -> String {
        if case .failure(let error) = parse(yaml) { return error.description }
        return "accepted"
    }

    @Test("node_exporter's documented example loads: TLS paths relative to the file, client certificates, versions, users, headers")
    func fullExample() throws {
        let config = try parse("""
        tls_server_config:
          cert_file: server.crt
          key_file: /secure/server.key
          client_auth_type: RequireAndVerifyClientCert
          client_ca_file: ca.pem
          min_version: TLS13
          prefer_server_cipher_suites: true
        http_server_config:
          http2: false
          headers:
            strict-transport-security: max-age=31536000
            X-Content-Type-Options: nosniff
        basic_auth_users:
          prom: \(Self.htpasswdHash)
        """).get()
        #expect(config.tls == ServerTLS(certificate: .file("/etc/m4top/server.crt"), privateKey: .file("/secure/server.key"),
                                        clientCertificates: .required, clientCA: .file("/etc/m4top/ca.pem"),
                                        minimumVersion: .tlsv13, origin: "--web.config.file web.yml"))
        #expect(config.basicAuthUsers == ["prom": Self.htpasswdHash])
        #expect(config.headers.map(\.name) == ["Strict-Transport-Security", "X-Content-Type-Options"])
        #expect(!config.holdsPrivateKey)
        #expect(try parse("").get() == WebConfig(), "an empty file is plain HTTP without auth, as the toolkit reads it")
    }

    @Test("Whatever m4top cannot honour is an error with the file, the line and the key, never ignored",
          arguments: [
              ("tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
               "web.yml:4: tls_server_config.cipher_suites is not supported by m4top"),
              ("basic_auth_users:\n  prom: plaintext\n", "web.yml:2: the password of 'prom' is not a bcrypt hash"),
              ("tls_config:\n  cert_file: a\n", "web.yml:1: unknown key 'tls_config'"),
              ("tls_server_config:\n  cert_file: a\n", "needs exactly one of key_file and key"),
              ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n",
               "needs client_ca_file"),
              ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAnyClientCert\n  client_ca_file: c\n",
               "accepts certificates nobody verified"),
              ("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS14\n", "min_version 'TLS14' is not one of"),
              ("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n", "max_version is lower"),
              ("http_server_config:\n  headers:\n    Set-Cookie: a=b\n", "header 'Set-Cookie' cannot be set"),
              ("rate_limit:\n  interval: 1s\n", "rate_limit is not supported"),
              ("basic_auth_users:\n  prom: \(htpasswdHash)\n  prom: \(htpasswdHash)\n", "duplicated key(s): 'prom'"),
              ("- a\n- b\n", "the file must be a mapping"),
              ("a: [\n", "not valid YAML"),
          ])
    func refusals(yaml: String, wanted: String) {
        let message = error(yaml)
        #expect(message.contains(wanted), "\(message)")
        #expect(message.hasPrefix("--web.config.file web.yml"), "\(message)")
    }

    @Test("bcrypt hashes: htpasswd's $2y$ and Python's $2b$ are read, a wrong shape is not")
    func bcryptShapes() {
        #expect(BasicAuthHash.isBcrypt(Self.htpasswdHash))
        #expect(BasicAuthHash.isBcrypt("$2b$12$" + String(repeating: "a", count: 53)))
        #expect(!BasicAuthHash.isBcrypt("$2b$03$" + String(repeating: "a", count: 53)), "cost below 4")
        #expect(!BasicAuthHash.isBcrypt("$2x$10$" + String(repeating: "a", count: 53)))
        #expect(!BasicAuthHash.isBcrypt("$2b$10$" + String(repeating: "a", count: 52)))
        #expect(!BasicAuthHash.isBcrypt("$2b$10$" + String(repeating: "!", count: 53)))
        // The library verifies Apache's hash once $2y$ reads as $2b$, and only with the right password.
        let hash = BasicAuth<BasicRequestContext>.openBSDForm(Self.htpasswdHash)
        #expect(Bcrypt.verify(Self.htpasswdPassword, hash: hash))
        #expect(!Bcrypt.verify("pa:ss w0rd ", hash: hash))
    }

    @Test("Authorization: Basic is decoded with the password's own colons kept; junk is nil")
    func credentials() {
        let header = "Basic " + Data("prom:\(Self.htpasswdPassword)".utf8).base64EncodedString()
        #expect(BasicAuth<BasicRequestContext>.credentials(header).map { [$0.0, $0.1] } == ["prom", Self.htpasswdPassword])
        #expect(BasicAuth<BasicRequestContext>.credentials("Bearer abc") == nil)
        #expect(BasicAuth<BasicRequestContext>.credentials("Basic !!!") == nil)
        #expect(BasicAuth<BasicRequestContext>.credentials("Basic " + Data("no-colon".utf8).base64EncodedString()) == nil)
        #expect(BasicAuth<BasicRequestContext>.credentials(nil) == nil)
    }

    @Test("BasicAuth verifies, remembers a pair that passed, and refuses unknown users and wrong passwords")
    func verification() async {
        let auth = BasicAuth<BasicRequestContext>(users: ["prom": Self.htpasswdHash])
        #expect(await auth.verify(user: "prom", password: Self.htpasswdPassword))
        #expect(auth.passed.withLockedValue { $0.count } == 1)
        #expect(await auth.verify(user: "prom", password: Self.htpasswdPassword))
        #expect(!(await auth.verify(user: "prom", password: "wrong")))
        #expect(!(await auth.verify(user: "nobody", password: Self.htpasswdPassword)))
        #expect(!(await auth.verify(user: "nobody", password: "decoy-never")), "the decoy hash lets no one in")
    }

    /// openssl in a folder of its own; the files are left for the test.
    static func openssl(_ arguments: [String], in dir: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "openssl \(arguments.joined(separator: " "))")
    }

    @Test("TLS files: a mismatched pair, an encrypted key, swapped files, DER and a missing file each say what is wrong")
    func tlsFileMessages() throws {
        let dir = NSTemporaryDirectory() + "m4top-webtls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["a", "b"] {
            try Self.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=\(name)",
                              "-keyout", "\(name).key", "-out", "\(name).crt"], in: dir)
        }
        try Self.openssl(["pkey", "-in", "a.key", "-aes256", "-passout", "pass:x", "-out", "enc.key"], in: dir)
        try Self.openssl(["x509", "-in", "a.crt", "-outform", "der", "-out", "a.der"], in: dir)
        func message(_ cert: String, _ key: String) -> String {
            do {
                _ = try ServerTLS(certificate: .file(dir + "/" + cert), privateKey: .file(dir + "/" + key)).configuration()
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(message("a.crt", "a.key") == "accepted")
        #expect(message("a.crt", "b.key").contains("--tls-key \(dir)/b.key does not belong to --tls-cert \(dir)/a.crt"))
        #expect(message("a.crt", "enc.key").contains("is encrypted with a passphrase"))
        #expect(message("a.key", "a.crt").contains("--tls-cert \(dir)/a.key: holds a private key, not a certificate"))
        #expect(message("a.crt", "a.crt").contains("holds a certificate, not a private key"))
        #expect(message("a.der", "a.key").contains("no PEM certificate in it"))
        #expect(message("missing.crt", "a.key").contains("cannot read the certificate (no such file)"))
    }
}
