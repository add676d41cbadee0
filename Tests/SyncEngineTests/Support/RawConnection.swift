import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to 127.0.0.1, for requests no HTTP client would send: headers without their body,
/// nothing at all, or a body held back. Every wait is bounded, and waits on a thread of its own: the peer
/// under test answers on the same process's cooperative threads, so a wait that blocked one of them (two on
/// this machine) could starve the very answer it waits for (seen once in CI: a 401 never came within 60 s
/// while the simulator held the other thread).
///
/// `@unchecked Sendable`: the socket is used by one test at a time, one call after another.
final class RawConnection: @unchecked Sendable {
    private let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    deinit { close(socket) }

    /// Sends every byte (or stops at the first error: the peer may close while we send).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// The headers of a request, ending with the blank line; the body is for the caller to send, or not.
    func sendHead(_ method: String = "POST", path: String, contentLength: Int?, token: String? = nil) {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-fieldbook-frame\r\n"
        if let contentLength { head += "Content-Length: \(contentLength)\r\n" }
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        send(Array((head + "\r\n").utf8))
    }

    /// What arrives within `seconds`, up to the first pause once something came; `nil` if the peer closed
    /// the connection without sending anything.
    func receive(within seconds: Double) async -> [UInt8]? {
        await Self.offTheCooperativePool { self.blockingReceive(within: seconds) }
    }

    private func blockingReceive(within seconds: Double) -> [UInt8]? {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let wait = received.isEmpty ? Int32(max(1, deadline.timeIntervalSinceNow * 1000)) : 200
            guard poll(&poller, 1, wait) > 0 else { if received.isEmpty { continue } else { break } }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return received.isEmpty ? nil : received }
            received += buffer[0..<n]
        }
        return received
    }

    /// The status of the HTTP answer that arrives within `seconds`, if one does.
    func status(within seconds: Double) async -> Int? {
        guard let bytes = await receive(within: seconds), bytes.count >= 12,
              let line = String(decoding: bytes.prefix(64), as: UTF8.self).split(separator: "\r\n").first
        else { return nil }
        let parts = line.split(separator: " ")
        return parts.count >= 2 ? Int(parts[1]) : nil
    }

    /// Whether the peer closes the connection within `seconds` (anything it sends before is ignored).
    func isClosedByPeer(within seconds: Double) async -> Bool {
        await Self.offTheCooperativePool { self.blockingIsClosedByPeer(within: seconds) }
    }

    private func blockingIsClosedByPeer(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1000))) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return true }
        }
        return false
    }

    /// Runs a blocking wait on a Dispatch thread and resumes the caller with its result.
    private static func offTheCooperativePool<T: Sendable>(_ wait: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: wait()) }
        }
    }
}
