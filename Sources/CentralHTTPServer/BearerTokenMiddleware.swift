import Central
import Hummingbird
import SyncProtocol

/// The device token check, before a byte of the body is read: a request to an endpoint that needs a token
/// goes on only with the device it names (in the context), so nothing an unauthenticated client sends is
/// held. A refused request is answered here (`401`, as an `ErrorResponse`).
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = PeerRequestContext
    let peer: CentralPeer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch await peer.authenticate(request.headers[.authorization], path: request.uri.path) {
        case .refused(let answer):
            return CentralHTTPServer.response(answer)
        case .device(let device):
            var context = context
            context.device = device
            return try await next(request, context)
        }
    }
}
