import Foundation
import NIOSSL
import Yams

/// `--web.config.file`: the Prometheus exporter-toolkit's YAML, as node_exporter and
/// blackbox_exporter read it, so an operator reuses the file they already have: HTTPS
/// (`tls_server_config`), bcrypt basic auth (`basic_auth_users`), security headers
/// (`http_server_config.headers`). A key m4top cannot honour is an error naming it, never
/// silently ignored: a file that asks for client certificates must not serve without them.
package struct WebConfig: Sendable, Equatable {
    package var tls: ServerTLS?
    /// User name -> bcrypt hash.
    package var basicAuthUsers: [String: String] = [:]
    /// Extra response headers (exporter-toolkit's allowed list).
    package var headers: [(name: String, value: String)] = []
    /// True when the key is written in the file itself (`key:`), making the file a secret.
    package var holdsPrivateKey = false

    package init() {}

    package static func == (lhs: WebConfig, rhs: WebConfig) -> Bool {
        lhs.tls == rhs.tls && lhs.basicAuthUsers == rhs.basicAuthUsers && lhs.holdsPrivateKey == rhs.holdsPrivateKey
            && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }

    package struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        package let description: String
    }

    /// Headers exporter-toolkit lets a config set (it refuses the rest).
    static let allowedHeaders = ["Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options",
                                 "X-XSS-Protection", "Content-Security-Policy"]

    /// Reads and checks the file; relative paths in it are relative to its folder (as the
    /// toolkit does).
    package static func load(path: String) throws(Invalid) -> WebConfig {
        guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 20 else {
            throw Invalid(description: "--web.config.file \(path): cannot read the file (missing, unreadable or over 1 MiB)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Invalid(description: "--web.config.file \(path): not UTF-8 text")
        }
        return try parse(text, path: path, folder: (path as NSString).deletingLastPathComponent)
    }

    package static func parse(_ text: String, path: String, folder: String) throws(Invalid) -> WebConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw Invalid(description: "--web.config.file \(path): not valid YAML: \(error)")
        }
        var reader = Reader(path: path, folder: folder)
        guard let root else { return WebConfig() }  // an empty file: plain HTTP, no auth (as the toolkit)
        return try reader.config(root)
    }

    /// Walks the YAML tree with the file's name and line in every message.
    struct Reader {
        let path: String
        let folder: String

        func fail(_ node: Node?, _ message: String) -> Invalid {
            let line = node?.mark.map { ":\($0.line)" } ?? ""
            return Invalid(description: "--web.config.file \(path)\(line): \(message)")
        }

        func mapping(_ node: Node, _ name: String) throws(Invalid) -> [(key: String, node: Node, keyNode: Node)] {
            if node.scalar?.string == "" || node.scalar?.string == "~" || node.scalar?.string == "null" { return [] }
            guard let mapping = node.mapping else { throw fail(node, "\(name) must be a mapping of keys to values") }
            var seen: Set<String> = []
            var entries: [(key: String, node: Node, keyNode: Node)] = []
            for (key, value) in mapping {
                guard let name = key.scalar?.string else { throw fail(key, "a key must be plain text") }
                guard seen.insert(name).inserted else { throw fail(key, "'\(name)' is given twice") }
                entries.append((name, value, key))
            }
            return entries
        }

        func string(_ node: Node, _ key: String) throws(Invalid) -> String {
            guard let value = node.scalar?.string else { throw fail(node, "\(key) must be text") }
            return value
        }

        func resolved(_ file: String) -> String {
            file.hasPrefix("/") || folder.isEmpty ? file : folder + "/" + file
        }

        mutating func config(_ root: Node) throws(Invalid) -> WebConfig {
            var config = WebConfig()
            for (key, value, keyNode) in try mapping(root, "the file") {
                switch key {
                case "tls_server_config": config.tls = try tls(value, holdsKey: &config.holdsPrivateKey)
                case "basic_auth_users": config.basicAuthUsers = try users(value)
                case "http_server_config": config.headers = try httpServer(value)
                case "rate_limit":
                    throw fail(keyNode, "rate_limit is not supported by m4top; remove it (each user is polled on m4top's own schedule, scrapes only read)")
                default:
                    throw fail(keyNode, "unknown key '\(key)' (known: tls_server_config, http_server_config, basic_auth_users)")
                }
            }
            return config
        }

        func tls(_ node: Node, holdsKey: inout Bool) throws(Invalid) -> ServerTLS? {
            var certFile: String?, keyFile: String?, certText: String?, keyText: String?
            var clientAuth = "NoClientCert", clientCAFile: String?, clientCAText: String?
            var minimum: TLSVersion = .tlsv12, maximum: TLSVersion?
            let entries = try mapping(node, "tls_server_config")
            if entries.isEmpty { return nil }
            for (key, value, keyNode) in entries {
                switch key {
                case "cert_file": certFile = resolved(try string(value, key))
                case "key_file": keyFile = resolved(try string(value, key))
                case "cert": certText = try string(value, key)
                case "key": keyText = try string(value, key); holdsKey = true
                case "client_auth_type": clientAuth = try string(value, key)
                case "client_ca_file": clientCAFile = resolved(try string(value, key))
                case "client_ca": clientCAText = try string(value, key)
                case "min_version": minimum = try version(value, key)
                case "max_version": maximum = try version(value, key)
                case "prefer_server_cipher_suites":
                    // Go ignores it since 1.18; accepted so that a toolkit file loads unchanged.
                    guard value.bool != nil else { throw fail(value, "prefer_server_cipher_suites must be true or false") }
                case "cipher_suites", "curve_preferences", "client_allowed_sans":
                    throw fail(keyNode, "tls_server_config.\(key) is not supported by m4top; remove it (m4top uses BoringSSL's defaults: AEAD ciphers, X25519 and P-256)")
                default:
                    throw fail(keyNode, "unknown key '\(key)' in tls_server_config")
                }
            }
            guard (certFile == nil) != (certText == nil) else {
                throw fail(node, "tls_server_config needs exactly one of cert_file and cert")
            }
            guard (keyFile == nil) != (keyText == nil) else {
                throw fail(node, "tls_server_config needs exactly one of key_file and key")
            }
            if let maximum, Self.rank(maximum) < Self.rank(minimum) {
                throw fail(node, "max_version is lower than min_version")
            }
            let verification: ServerTLS.ClientCertificates
            switch clientAuth {
            case "NoClientCert": verification = .none
            case "VerifyClientCertIfGiven": verification = .verifiedIfGiven
            case "RequireAndVerifyClientCert": verification = .required
            case "RequestClientCert", "RequireAnyClientCert":
                throw fail(node, "client_auth_type \(clientAuth) accepts certificates nobody verified; m4top supports NoClientCert, VerifyClientCertIfGiven and RequireAndVerifyClientCert")
            default:
                throw fail(node, "client_auth_type '\(clientAuth)' is not one of NoClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert")
            }
            let clientCA: ServerTLS.Source?
            switch (clientCAFile, clientCAText) {
            case (let file?, nil): clientCA = .file(file)
            case (nil, let text?): clientCA = .pem(text)
            case (nil, nil): clientCA = nil
            default: throw fail(node, "give client_ca_file or client_ca, not both")
            }
            if verification != .none && clientCA == nil {
                throw fail(node, "client_auth_type \(clientAuth) needs client_ca_file: the certificates that sign the clients'")
            }
            if verification == .none && clientCA != nil {
                throw fail(node, "client_ca_file is given but client_auth_type is NoClientCert; say RequireAndVerifyClientCert or VerifyClientCertIfGiven")
            }
            return ServerTLS(certificate: certFile.map(ServerTLS.Source.file) ?? .pem(certText ?? ""),
                             privateKey: keyFile.map(ServerTLS.Source.file) ?? .pem(keyText ?? ""),
                             clientCertificates: verification, clientCA: clientCA,
                             minimumVersion: minimum, maximumVersion: maximum, origin: "--web.config.file \(path)")
        }

        static func rank(_ version: TLSVersion) -> Int {
            switch version {
            case .tlsv1: 10
            case .tlsv11: 11
            case .tlsv12: 12
            case .tlsv13: 13
            }
        }

        func version(_ node: Node, _ key: String) throws(Invalid) -> TLSVersion {
            switch try string(node, key) {
            case "TLS10": return .tlsv1
            case "TLS11": return .tlsv11
            case "TLS12": return .tlsv12
            case "TLS13": return .tlsv13
            case let other: throw fail(node, "\(key) '\(other)' is not one of TLS10, TLS11, TLS12, TLS13")
            }
        }

        func users(_ node: Node) throws(Invalid) -> [String: String] {
            var users: [String: String] = [:]
            for (user, value, keyNode) in try mapping(node, "basic_auth_users") {
                guard !user.isEmpty, !user.contains(":") else { throw fail(keyNode, "a basic_auth_users name must be non-empty and without ':'") }
                let hash = try string(value, "the hash of \(user)")
                guard BasicAuthHash.isBcrypt(hash) else {
                    throw fail(value, "the password of '\(user)' is not a bcrypt hash ($2y$10$ and 53 more characters; make one with htpasswd -nBC 10 \"\" | tr -d ':\\n')")
                }
                users[user] = hash
            }
            return users
        }

        func httpServer(_ node: Node) throws(Invalid) -> [(name: String, value: String)] {
            var headers: [(name: String, value: String)] = []
            for (key, value, keyNode) in try mapping(node, "http_server_config") {
                switch key {
                case "http2":
                    // m4top serves HTTP/1.1 only (what Prometheus scrapes with); the switch is accepted.
                    guard value.bool != nil else { throw fail(value, "http2 must be true or false") }
                case "headers":
                    for (name, headerValue, nameNode) in try mapping(value, "headers") {
                        guard let allowed = WebConfig.allowedHeaders.first(where: { $0.lowercased() == name.lowercased() }) else {
                            throw fail(nameNode, "header '\(name)' cannot be set (allowed: \(WebConfig.allowedHeaders.joined(separator: ", ")))")
                        }
                        let text = try string(headerValue, name)
                        guard !text.contains(where: { $0.isNewline || ($0.asciiValue.map { $0 < 0x20 } ?? false) }) else {
                            throw fail(headerValue, "the value of \(name) holds a control character")
                        }
                        headers.append((allowed, text))
                    }
                default:
                    throw fail(keyNode, "unknown key '\(key)' in http_server_config (known: headers, http2)")
                }
            }
            return headers
        }
    }
}
