import AsyncHTTPClient
import Foundation
import NIOCore
import SyncProtocol

/// ``SyncTransport`` over HTTP/1.1 or HTTPS with AsyncHTTPClient. Answers are read up to the protocol's
/// body limit and no further.
public struct HTTPSyncTransport: SyncTransport {
    public let baseURL: String
    let client: HTTPClient
    public var timeout: TimeAmount = .seconds(60)

    /// - Parameter client: defaults to the shared client; tests pass one trusting their own certificate.
    public init(baseURL: String, client: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.client = client
    }

    public func post(path: String, body: [UInt8], token: String?) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: Frame.contentType)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: timeout)
            let buffer = try await response.body.collect(upTo: ProtocolLimits.maximumBodyBytes)
            return (Int(response.status.code), Array(buffer.readableBytesView))
        } catch let error as HTTPClientError where [.readTimeout, .deadlineExceeded, .connectTimeout].contains(error) {
            throw SyncError.unreachable("the central peer at \(baseURL) did not answer in time")
        } catch let error as IOError where error.errnoCode == ECONNREFUSED {
            throw SyncError.unreachable("nothing answers at \(baseURL): the central peer is not running there, or the address is wrong")
        } catch where TrustedCertificates.isUntrustedCertificate(error) {
            throw SyncError.unreachable("""
                the central peer's TLS certificate is not trusted by this device or does not name this address \
                (\(error)); check the URL, and if your council \
                uses its own certificate authority, start fieldbook with --ca-file and that authority's certificate
                """)
        }
    }

    /// `GET /`: whether a central peer answers at `baseURL`.
    public func health() async throws -> String {
        let response = try await client.execute(HTTPClientRequest(url: baseURL + "/"), timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 4096)
        return String(decoding: buffer.readableBytesView, as: UTF8.self)
    }
}
