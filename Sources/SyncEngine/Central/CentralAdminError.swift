/// An administration command that cannot be carried out, with the reason.
public struct CentralAdminError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
