import Foundation
import SyncProtocol

/// The address a request came from, as the enrolment throttle counts it.
///
/// Behind a load balancer every request arrives from the balancer's address, so the throttle would count
/// every client's failures together. The balancer names the client in `X-Forwarded-For`; but anyone can
/// send that header, so it is believed only from proxies the operator named (`--trusted-proxy`), and only
/// as far as they vouch for it: the address taken is the right-most one not itself a trusted proxy.
public struct ClientAddress: Sendable {
    public let trustedProxies: Set<String>

    public init(trustedProxies: Set<String> = []) {
        self.trustedProxies = trustedProxies
    }

    /// The client's address for `request`: the connection's peer, or the forwarded client behind trusted
    /// proxies; "unknown" where the transport gave none.
    public func of(_ request: PeerRequest) -> String {
        guard let remote = request.remoteAddress else { return "unknown" }
        guard trustedProxies.contains(remote), let header = request.forwardedFor, header.utf8.count <= 1_024 else { return remote }
        // A list "client, proxy1, proxy2": each proxy appended the address it received the request from.
        let hops = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() where !trustedProxies.contains(hop) {
            return hop.isEmpty || hop.utf8.count > 64 ? remote : hop
        }
        return remote
    }
}
