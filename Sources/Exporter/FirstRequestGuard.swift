import HummingbirdCore
import Logging
import NIOCore

/// What every exporter connection goes through before HTTP: a deadline for the first request's
/// head, and `Connection: close` for HTTP/1.0. (TLS, when on, comes before both.)
struct FirstRequestGuard<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    /// Seconds from accept to the end of the first request's head.
    let headSeconds: Int64

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(RequestHeadDeadline(seconds: headSeconds))
            try channel.pipeline.syncOperations.addHandler(HTTP10CloseHandler())
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// A client that sends its request head a byte at a time (slowloris) keeps the idle timeout
/// from ever firing; the head must be complete within `seconds` of the accept, as Go's
/// ReadHeaderTimeout asks, or the connection is closed.
final class RequestHeadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let seconds: Int64
    private var timer: Scheduled<Void>?
    /// The last bytes seen, for a `\r\n\r\n` split across reads.
    private var tail: [UInt8] = []

    init(seconds: Int64) {
        self.seconds = seconds
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: .seconds(seconds)) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let seen = tail + Array(unwrapInboundIn(data).readableBytesView)
        let end: [UInt8] = [13, 10, 13, 10]
        let complete = seen.count >= 4 && (0...(seen.count - 4)).contains { seen[$0..<($0 + 4)].elementsEqual(end) }
        tail = Array(seen.suffix(3))
        context.fireChannelRead(data)
        if complete { context.pipeline.syncOperations.removeHandler(context: context, promise: nil) }
    }
}

/// HTTP/1.0 closes after one answer unless the client asked for keep-alive; Hummingbird keeps
/// the connection open (until the idle timeout), so a 1.0 client such as a plain `nc` or an old
/// monitoring script waited 30 s for the end of an answer it already had. The first request
/// line is read as it arrives: a 1.0 request without `keep-alive` gets `Connection: close`
/// added, which Hummingbird honours. After that the handler leaves the pipeline.
final class HTTP10CloseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    static let version10 = Array(" HTTP/1.0".utf8)
    static let header = Array("Connection: close\r\n".utf8)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let bytes = Array(buffer.readableBytesView)
        var forwarded = data
        if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
            var line = bytes[..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let head = String(decoding: bytes, as: UTF8.self).lowercased()
            if line.count >= Self.version10.count, Array(line.suffix(Self.version10.count)) == Self.version10, !head.contains("keep-alive") {
                var out = context.channel.allocator.buffer(capacity: bytes.count + Self.header.count)
                out.writeBytes(bytes[...newline])
                out.writeBytes(Self.header)
                out.writeBytes(bytes[(newline + 1)...])
                forwarded = wrapInboundOut(out)
            }
        }
        context.fireChannelRead(forwarded)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
