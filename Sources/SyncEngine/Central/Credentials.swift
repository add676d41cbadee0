import Crypto
import Foundation
import Store
import SyncProtocol

/// Device tokens and enrolment codes: random secrets handed out once and stored only as SHA-256 hashes.
public enum Credentials {
    /// 32 random bytes as 64 hex characters.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Twelve characters from an alphabet without look-alikes, grouped for reading aloud: `K7QF-M2XP-9RTA`.
    public static func newEnrolmentCode() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<12).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return stride(from: 0, to: 12, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// The stored form of a code: hashed after upper-casing and removing dashes and spaces.
    public static func hashCode(_ code: String) -> String {
        hash(code.uppercased().filter { $0 != "-" && $0 != " " })
    }

    public static func hash(_ secret: String) -> String {
        Hex.encode(SHA256.hash(data: Data(secret.utf8)))
    }
}
