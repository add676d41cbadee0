import Store

/// The per-message tables of a v2 message (SPEC.md §12.2): each device id and each author once, which
/// changes and their references name by index. A change id's device is a 36-character UUID and an author a
/// name; in a pull batch most changes share a handful of both, so each is sent once per message instead of
/// once (or, with superseded versions, several times) per change.
package struct WireTables {
    package private(set) var devices: [String] = []
    package private(set) var authors: [String] = []
    private var deviceIndex: [String: UInt32] = [:]
    private var authorIndex: [String: UInt32] = [:]

    package init() {}

    /// The index of `deviceID`, adding it to the table at first use.
    package mutating func device(_ deviceID: String) -> UInt32 {
        Self.index(of: deviceID, in: &devices, &deviceIndex)
    }

    package mutating func author(_ name: String) -> UInt32 {
        Self.index(of: name, in: &authors, &authorIndex)
    }

    private static func index(of value: String, in table: inout [String], _ index: inout [String: UInt32]) -> UInt32 {
        if let known = index[value] { return known }
        let next = UInt32(table.count)
        table.append(value)
        index[value] = next
        return next
    }
}

/// The tables of a received v2 message, checked before any change is read.
package struct ReceivedTables: Sendable {
    package let devices: [String]
    package let authors: [String]

    /// - Throws: ``ProtocolError`` `malformed_message` for an entry that is empty, longer than
    ///   ``ProtocolLimits/maximumShortString`` bytes, or (a device id) contains `:`. The count of entries
    ///   is bounded on the wire (``WireShape``).
    package init(devices: [String], authors: [String]) throws(ProtocolError) {
        for device in devices {
            guard !device.isEmpty, device.utf8.count <= ProtocolLimits.maximumShortString, !device.contains(":") else {
                throw ProtocolError.malformedMessage("the device table holds an empty, overlong or malformed device id")
            }
        }
        for author in authors {
            guard !author.isEmpty, author.utf8.count <= ProtocolLimits.maximumShortString else {
                throw ProtocolError.malformedMessage("the author table holds an empty or overlong name")
            }
        }
        self.devices = devices
        self.authors = authors
    }

    package func device(_ index: UInt32, _ what: @autoclosure () -> String) throws(ProtocolError) -> String {
        guard Int(index) < devices.count else {
            throw ProtocolError.malformedMessage("\(what()) names device \(index) of a table of \(devices.count)")
        }
        return devices[Int(index)]
    }

    package func author(_ index: UInt32, _ what: @autoclosure () -> String) throws(ProtocolError) -> String {
        guard Int(index) < authors.count else {
            throw ProtocolError.malformedMessage("\(what()) names author \(index) of a table of \(authors.count)")
        }
        return authors[Int(index)]
    }
}

extension Change {
    /// The table entries the change needs in a v2 message (its device and author, and the devices of the
    /// versions it supersedes or seals), tagged so that a device id and an author of the same spelling
    /// stay apart: what a sender counts against ``ProtocolLimits/maximumMessageElements``.
    package var tableNames: [String] {
        ["d" + id.deviceID, "a" + author] + writes.flatMap { $0.supersedes.map { "d" + $0.deviceID } } + sealed.map { "d" + $0.deviceID }
    }
}
