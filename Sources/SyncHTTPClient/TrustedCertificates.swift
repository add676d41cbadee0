import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import SyncProtocol

/// HTTPS clients that trust a council's own certificate authority as well as the system's.
///
/// A council may run the central peer with a certificate from its own authority, which the laptop's
/// system trust store does not know; the device is then given that authority's certificate (`--ca-file`).
public enum TrustedCertificates {
    /// How long a device keeps trying to open a connection (retrying with backoff) before it gives up.
    /// Short, so that a peer that cannot be reached, or whose certificate is not trusted, is reported in
    /// seconds rather than after the whole request timeout.
    public static let connectTimeout: TimeAmount = .seconds(8)
    /// A peer that accepted the connection but sends nothing for this long is given up on: a sync says so
    /// in seconds instead of waiting out the whole request's deadline.
    public static let readTimeout: TimeAmount = .seconds(20)

    /// A new client trusting the system's authorities, and those in the PEM file at `caFile` if given. Shut
    /// it down (`syncShutdown()`) when done.
    ///
    /// - Throws: ``CertificateFileError`` naming the file if it cannot be read as PEM certificates.
    public static func client(trusting caFile: String?, readTimeout: TimeAmount = readTimeout) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.additionalTrustRoots = [.certificates(try certificates(in: caFile))] }
        var configuration = HTTPClient.Configuration()
        configuration.tlsConfiguration = tls
        configuration.timeout.connect = connectTimeout
        configuration.timeout.read = readTimeout
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Checks that `caFile` holds PEM certificates, before anything else is done with the session.
    ///
    /// - Throws: ``CertificateFileError`` naming the file and what is wrong with it.
    public static func check(_ caFile: String) throws { _ = try certificates(in: caFile) }

    private static func certificates(in caFile: String) throws -> [NIOSSLCertificate] {
        guard FileManager.default.isReadableFile(atPath: caFile) else {
            throw CertificateFileError(path: caFile, reason: "there is no such file, or it cannot be read")
        }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(caFile)
        } catch {
            throw CertificateFileError(path: caFile, reason: "it is not a PEM certificate (\(error))")
        }
        guard !certificates.isEmpty else { throw CertificateFileError(path: caFile, reason: "it holds no PEM certificate") }
        return certificates
    }

    /// Whether `error` (from a request) says the peer's certificate was not trusted.
    static func isUntrustedCertificate(_ error: any Error) -> Bool {
        let text = String(describing: error)
        return text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificateVerify")
            || text.contains("failedToValidateHostname")
    }
}

/// A `--ca-file` that cannot be used.
public struct CertificateFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot use \(path) as a certificate authority: \(reason)" }
}
