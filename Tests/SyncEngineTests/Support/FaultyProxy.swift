import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Seeded

/// A loopback TCP proxy in front of the central peer that misbehaves like a bad network, seeded: per
/// connection it passes bytes through, cuts the request or the answer after a random number of bytes,
/// stalls (forwards nothing, then drops the connection), or delivers the connection's request bytes to the
/// peer a second time later, on another connection, after newer requests (a late duplicate: reordering).
final class FaultyProxy: Sendable {
    enum Fault: String, CaseIterable, Sendable {
        case none, cutRequest, cutAnswer, stall, replayLater
    }

    /// What the proxy did, for the campaign's figures.
    struct Tally: Sendable {
        var connections = 0
        var faults: [Fault: Int] = [:]
        var replays = 0
    }

    private let state: NIOLockedValueBox<(rng: SplitMix64, tally: Tally, recorded: [[UInt8]])>
    private let channel: any Channel
    private let targetPort: Int
    let port: Int
    let stallSeconds: Int64

    /// Listens on 127.0.0.1 (a free port); each connection goes to `targetPort` with a fault drawn from `seed`.
    init(forwardingTo targetPort: Int, seed: UInt64, faultRate: Double, stallSeconds: Int64) async throws {
        let state = NIOLockedValueBox((rng: SplitMix64(seed: seed), tally: Tally(), recorded: [[UInt8]]()))
        self.state = state
        self.targetPort = targetPort
        self.stallSeconds = stallSeconds
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                let (fault, cutAt, replay) = state.withLockedValue { value -> (Fault, Int, [UInt8]?) in
                    value.tally.connections += 1
                    let faults = Fault.allCases.dropFirst()
                    let fault = value.rng.chance(faultRate) ? faults[faults.startIndex + value.rng.next(below: faults.count)] : .none
                    value.tally.faults[fault, default: 0] += 1
                    // A late duplicate goes to the peer before this connection's own bytes.
                    let replay = value.recorded.isEmpty || !value.rng.chance(0.5) ? nil : value.recorded.removeFirst()
                    if replay != nil { value.tally.replays += 1 }
                    return (fault, 1 + value.rng.next(below: 600), replay)
                }
                if let replay { Self.deliver(replay, to: targetPort, on: inbound.eventLoop) }
                return ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: "127.0.0.1", port: targetPort)
                    .flatMap { outbound in
                        let (toPeer, toClient) = Pipe.pair(fault: fault, cutAt: cutAt, stallSeconds: stallSeconds) { bytes in
                            state.withLockedValue { $0.recorded.append(bytes) }
                        }
                        return outbound.pipeline.addHandler(toClient).flatMap { inbound.pipeline.addHandler(toPeer) }
                    }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    var url: String { "http://127.0.0.1:\(port)" }
    var tally: Tally { state.withLockedValue { $0.tally } }

    func close() async { try? await channel.close() }

    /// Sends `bytes` to the peer on a connection of their own and ignores the answer.
    private static func deliver(_ bytes: [UInt8], to port: Int, on loop: any EventLoop) {
        ClientBootstrap(group: loop)
            .channelInitializer { channel in channel.pipeline.addHandler(Drain()) }
            .connect(host: "127.0.0.1", port: port)
            .whenSuccess { channel in
                channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
                channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
            }
    }
}

/// Reads and drops whatever arrives.
private final class Drain: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
}

/// Copies bytes between the client's connection and the peer's, applying the connection's fault.
private final class Pipe: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: Pipe?
    private var context: ChannelHandlerContext?
    private let upstream: Bool
    private let fault: FaultyProxy.Fault
    private let cutAt: Int
    private let stallSeconds: Int64
    private let record: @Sendable ([UInt8]) -> Void
    private var seen = 0
    private var requestBytes: [UInt8] = []

    private init(upstream: Bool, fault: FaultyProxy.Fault, cutAt: Int, stallSeconds: Int64, record: @escaping @Sendable ([UInt8]) -> Void) {
        self.upstream = upstream
        self.fault = fault
        self.cutAt = cutAt
        self.stallSeconds = stallSeconds
        self.record = record
    }

    static func pair(fault: FaultyProxy.Fault, cutAt: Int, stallSeconds: Int64,
                     record: @escaping @Sendable ([UInt8]) -> Void) -> (Pipe, Pipe) {
        let toPeer = Pipe(upstream: true, fault: fault, cutAt: cutAt, stallSeconds: stallSeconds, record: record)
        let toClient = Pipe(upstream: false, fault: fault, cutAt: cutAt, stallSeconds: stallSeconds, record: record)
        toPeer.partner = toClient
        toClient.partner = toPeer
        return (toPeer, toClient)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if fault == .stall, upstream {
            context.eventLoop.scheduleTask(in: .seconds(stallSeconds)) { [weak self] in self?.closeBoth() }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if fault == .stall { return }
        let cutsHere = (fault == .cutRequest && upstream) || (fault == .cutAnswer && !upstream)
        if cutsHere, seen + buffer.readableBytes >= cutAt {
            if let partial = buffer.readSlice(length: max(cutAt - seen, 0)) { partner?.write(partial) }
            partner?.flush()
            closeBoth()
            return
        }
        seen += buffer.readableBytes
        if upstream, fault == .replayLater { requestBytes += buffer.readableBytesView }
        partner?.write(buffer)
    }

    func channelReadComplete(context: ChannelHandlerContext) { partner?.flush() }

    func channelInactive(context: ChannelHandlerContext) {
        if upstream, fault == .replayLater, !requestBytes.isEmpty { record(requestBytes) }
        partner?.close()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

    private func write(_ buffer: ByteBuffer) { context?.write(wrapOutboundOut(buffer), promise: nil) }
    private func flush() { context?.flush() }
    private func close() { context?.close(promise: nil) }
    private func closeBoth() {
        partner?.close()
        close()
    }
}
