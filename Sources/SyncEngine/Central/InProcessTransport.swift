import SyncProtocol

/// A peer answering the protocol in the same process: the transport of the convergence simulator and the
/// demo's seeding. It calls ``CentralPeer/handle(_:)`` exactly as the HTTP server does.
public struct InProcessTransport: SyncTransport {
    public let peer: CentralPeer

    public init(peer: CentralPeer) { self.peer = peer }

    public func post(path: String, body: [UInt8], token: String?) async throws -> (status: Int, body: [UInt8]) {
        let response = await peer.handle(PeerRequest(method: "POST", path: path, authorization: token.map { "Bearer \($0)" }, body: body))
        return (response.status, response.body)
    }
}
