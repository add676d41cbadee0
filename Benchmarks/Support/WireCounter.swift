import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A loopback TCP proxy in front of the central peer that counts every byte in each direction: what a
/// sync costs on the wire, HTTP headers included.
final class WireCounter: Sendable {
    private let counts = NIOLockedValueBox((up: 0, down: 0))
    private let channel: any Channel
    let port: Int

    /// Listens on 127.0.0.1 (a free port) and forwards each connection to `targetPort`.
    init(forwardingTo targetPort: Int) async throws {
        let counts = self.counts
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { inbound in
                ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: "127.0.0.1", port: targetPort)
                    .flatMap { outbound in
                        let (toPeer, toClient) = Glue.pair(counts)
                        return outbound.pipeline.addHandler(toClient).flatMap {
                            inbound.pipeline.addHandler(toPeer)
                        }
                    }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Bytes sent to the peer and received from it since the last reset.
    var bytes: (up: Int, down: Int) { counts.withLockedValue { $0 } }
    func reset() { counts.withLockedValue { $0 = (0, 0) } }

    func close() async { try? await channel.close() }
}

/// Copies bytes between two channels, counting them (after swift-nio's connect-proxy example).
private final class Glue: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: Glue?
    private var context: ChannelHandlerContext?
    private let counts: NIOLockedValueBox<(up: Int, down: Int)>
    private let upstream: Bool

    private init(_ counts: NIOLockedValueBox<(up: Int, down: Int)>, upstream: Bool) {
        self.counts = counts
        self.upstream = upstream
    }

    /// The handler for the client's connection (its reads go up to the peer) and for the peer's.
    static func pair(_ counts: NIOLockedValueBox<(up: Int, down: Int)>) -> (Glue, Glue) {
        let toPeer = Glue(counts, upstream: true), toClient = Glue(counts, upstream: false)
        toPeer.partner = toClient
        toClient.partner = toPeer
        return (toPeer, toClient)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let count = buffer.readableBytes
        counts.withLockedValue { if upstream { $0.up += count } else { $0.down += count } }
        partner?.write(buffer)
    }

    func channelReadComplete(context: ChannelHandlerContext) { partner?.flush() }
    func channelInactive(context: ChannelHandlerContext) { partner?.close() }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

    private func write(_ buffer: ByteBuffer) { context?.write(wrapOutboundOut(buffer), promise: nil) }
    private func flush() { context?.flush() }
    private func close() { context?.close(promise: nil) }
}
