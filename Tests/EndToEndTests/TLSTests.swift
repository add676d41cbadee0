import Foundation
import Testing

/// `fieldbook serve` over HTTPS with a certificate the test makes (openssl): a device that does not trust it
/// refuses to talk and says why; given the authority with `--ca-file`, it enrols and syncs.
@Suite(.serialized) struct TLSTests {
    let binary: FieldbookBinary
    let scratch: Scratch

    init() throws {
        binary = try FieldbookBinary()
        scratch = try Scratch()
    }

    /// A self-signed certificate for 127.0.0.1, made by `openssl req`; returns (certificate, key) paths.
    private func makeCertificate() throws -> (String, String) {
        let certificate = scratch.path("cert.pem"), key = scratch.path("key.pem")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                             "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return (certificate, key)
    }

    @Test func aDeviceSyncsOverHTTPSOnlyWithTheCertificateTrusted() throws {
        let (certificate, key) = try makeCertificate()
        let data = scratch.path("central")
        let added = try binary.run(["admin", "--data", data, "user", "add", "sam", "--role", "worker", "--team", "north"])
        let code = String(added.output.split(whereSeparator: \.isWhitespace).last ?? "")
        #expect(try binary.run(["admin", "--data", data, "case", "add", "LA-1", "--child", "Ann Lee", "--dob", "2014-01-01",
                                "--category", "CIN", "--worker", "sam"]).status == 0)
        let server = try RunningServer(binary: binary, data: data, arguments: ["--tls-cert", certificate, "--tls-key", key])
        defer { server.stop() }
        #expect(server.url.hasPrefix("https://"))
        let store = scratch.path("sam.sqlite")

        let untrusted = try binary.run(["--store", store, "-c", "enrol \(server.url) \(code)"])
        #expect(untrusted.status != 0)
        #expect(untrusted.errors.contains("certificate is not trusted"), "\(untrusted.errors)")
        #expect(untrusted.errors.contains("--ca-file"))

        let plain = try binary.run(["--store", store, "-c", "enrol \(server.url.replacingOccurrences(of: "https://", with: "http://")) \(code)"])
        #expect(plain.status != 0, "plain HTTP to the HTTPS port gets no answer")
        #expect(plain.errors.contains("cannot reach the central peer"), "\(plain.errors)")

        let badFile = try binary.run(["--store", store, "--ca-file", scratch.path("missing.pem"), "-c", "status"])
        #expect(badFile.status != 0)
        #expect(badFile.errors.contains("missing.pem"), "\(badFile.errors)")

        let trusted = try binary.run(["--store", store, "--ca-file", certificate,
                                      "-c", "enrol \(server.url) \(code)", "-c", "sync", "-c", "note LA-1 over TLS", "-c", "sync"])
        #expect(trusted.status == 0, "\(trusted.errors)")
        #expect(trusted.output.contains("pushed 1, pulled 0, conflicts 0, rejected 0"), "\(trusted.output)")
        let again = try binary.run(["--store", store, "-c", "sync"], environment: ["FIELDBOOK_CA_FILE": certificate])
        #expect(again.status == 0, "FIELDBOOK_CA_FILE works as --ca-file: \(again.errors)")
    }
}
