import Foundation
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// The exporter's HTTPS: certificate, key, optional client certificates, versions. From
/// `--tls-cert/--tls-key` or `--web.config.file`. Every file is read at start-up, and each way
/// it can be wrong has its own message naming the file (NIOSSL says `failedToLoadPrivateKey`
/// for a wrong key, an encrypted one and a mismatched pair alike).
package struct ServerTLS: Sendable, Equatable {
    package enum Source: Sendable, Equatable {
        case file(String)
        /// PEM written inside the web config.
        case pem(String)
    }

    package enum ClientCertificates: Sendable, Equatable {
        case none, verifiedIfGiven, required
    }

    package var certificate: Source
    package var privateKey: Source
    package var clientCertificates: ClientCertificates = .none
    package var clientCA: Source?
    package var minimumVersion: TLSVersion = .tlsv12
    package var maximumVersion: TLSVersion?
    /// Where the settings came from, for messages: `--tls-cert/--tls-key` or the web config.
    package var origin: String

    package init(certificate: Source, privateKey: Source, clientCertificates: ClientCertificates = .none, clientCA: Source? = nil,
                 minimumVersion: TLSVersion = .tlsv12, maximumVersion: TLSVersion? = nil, origin: String = "--tls-cert/--tls-key") {
        self.certificate = certificate
        self.privateKey = privateKey
        self.clientCertificates = clientCertificates
        self.clientCA = clientCA
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.origin = origin
    }

    package struct LoadError: Error, Sendable, Equatable, CustomStringConvertible {
        package let description: String
    }

    /// The key's file, when it is one (the caller holds it to the secret-file rules).
    package var privateKeyFile: String? {
        if case .file(let path) = privateKey { return path }
        return nil
    }

    /// Loads and checks everything now; a bad file is a start-up error in words.
    package func configuration() throws(LoadError) -> TLSConfiguration {
        let certificateText = try text(of: certificate, what: "certificate", flag: "--tls-cert")
        let keyText = try text(of: privateKey, what: "private key", flag: "--tls-key")
        let certName = name(certificate, flag: "--tls-cert")
        let keyName = name(privateKey, flag: "--tls-key")

        guard certificateText.contains("-----BEGIN CERTIFICATE-----") else {
            if certificateText.contains("PRIVATE KEY-----") {
                throw LoadError(description: "\(certName): holds a private key, not a certificate (certificate and key swapped?)")
            }
            throw LoadError(description: "\(certName): no PEM certificate in it (no -----BEGIN CERTIFICATE----- line; convert DER with openssl x509 -inform der -in FILE -out FILE.pem)")
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(certificateText.utf8))
        } catch {
            throw LoadError(description: "\(certName): the PEM certificate is damaged and cannot be parsed")
        }
        guard !chain.isEmpty else { throw LoadError(description: "\(certName): no certificate in it") }

        if keyText.contains("ENCRYPTED") {
            throw LoadError(description: "\(keyName): the private key is encrypted with a passphrase, which m4top cannot ask for at start-up; "
                            + "write a decrypted copy (openssl pkey -in KEY -out KEY.plain) readable by the exporter only")
        }
        guard keyText.contains("PRIVATE KEY-----") else {
            if keyText.contains("-----BEGIN CERTIFICATE-----") {
                throw LoadError(description: "\(keyName): holds a certificate, not a private key (certificate and key swapped?)")
            }
            throw LoadError(description: "\(keyName): no PEM private key in it (no -----BEGIN ... PRIVATE KEY----- line)")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: Array(keyText.utf8), format: .pem)
        } catch {
            throw LoadError(description: "\(keyName): the PEM private key is damaged or of a kind BoringSSL cannot read")
        }

        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = minimumVersion
        configuration.maximumTLSVersion = maximumVersion
        switch clientCertificates {
        case .none: configuration.certificateVerification = .none
        case .verifiedIfGiven: configuration.certificateVerification = .optionalVerification
        case .required: configuration.certificateVerification = .noHostnameVerification
        }
        if let clientCA {
            let caText = try text(of: clientCA, what: "client CA", flag: "client_ca_file")
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMBytes(Array(caText.utf8))
            } catch {
                throw LoadError(description: "\(name(clientCA, flag: "client_ca_file")): not a PEM certificate bundle")
            }
            guard !roots.isEmpty else { throw LoadError(description: "\(name(clientCA, flag: "client_ca_file")): no certificate in it") }
            configuration.trustRoots = .certificates(roots)
        }
        // Both parsed on their own; BoringSSL refusing them together means they are not a pair.
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw LoadError(description: "\(keyName) does not belong to \(certName): their public keys differ (pair the key with the certificate it was made for)")
        }
        return configuration
    }

    /// HTTPS over HTTP/1.1. A client that speaks plain HTTP to this port gets a 400 saying so
    /// instead of an empty reply.
    package func serverBuilder(http: HTTP1Channel.Configuration, headSeconds: Int64 = 10) throws(LoadError) -> HTTPServerBuilder {
        let configuration = try configuration()
        let channelConfiguration = TLSChannelConfiguration(tlsConfiguration: configuration)
        return HTTPServerBuilder { responder in
            PlainHTTPRefusal(base: try TLSChannel(FirstRequestGuard(base: HTTP1Channel(responder: responder, configuration: http), headSeconds: headSeconds),
                                                  configuration: channelConfiguration))
        }
    }

    private func name(_ source: Source, flag: String) -> String {
        switch source {
        case .file(let path): origin.hasPrefix("--web.config.file") ? "\(origin): \(path)" : "\(flag) \(path)"
        case .pem: "\(origin): the inline \(flag == "--tls-cert" ? "cert" : flag == "--tls-key" ? "key" : "client_ca")"
        }
    }

    private func text(of source: Source, what: String, flag: String) throws(LoadError) -> String {
        switch source {
        case .pem(let text): return text
        case .file(let path):
            var info = stat()
            // A FIFO would block the start for ever; a device is no certificate.
            if stat(path, &info) == 0 && info.st_mode & S_IFMT != S_IFREG {
                throw LoadError(description: "\(name(source, flag: flag)): not a regular file (a FIFO, a device or a folder)")
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                let reason = access(path, F_OK) != 0 ? "no such file" : "permission denied or not a file"
                throw LoadError(description: "\(name(source, flag: flag)): cannot read the \(what) (\(reason))")
            }
            return String(decoding: data.prefix(1 << 20), as: UTF8.self)
        }
    }
}

/// Ahead of TLS on each connection: the first byte of a TLS client is 0x16 (a handshake
/// record). Anything else is taken as plain HTTP, answered with a 400 that says to use https,
/// and closed, as Go's servers do.
struct PlainHTTPRefusal<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(FirstByteSniffer())
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

final class FirstByteSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let tlsHandshake: UInt8 = 0x16
    static let body = "This port serves HTTPS: use https:// instead of http://.\n"
    static let answer = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
        + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
    private var refused = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        let buffer = unwrapInboundIn(data)
        if buffer.readableBytesView.first == Self.tlsHandshake {
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        refused = true
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: Self.answer))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
