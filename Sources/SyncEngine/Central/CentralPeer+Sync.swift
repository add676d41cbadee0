import Foundation
import Store
import SyncProtocol

extension CentralPeer {
    /// `POST /v2/sync` (SPEC.md §12.4): admits the pushed changes, then answers with their verdicts and the
    /// next pull batch, in one round trip. The batch leaves out the device's own changes except those it
    /// says it lacks, so nothing it sent comes back to it.
    ///
    /// Every part of the request is read and checked before anything is stored: a malformed change, table
    /// index, hash, range or cursor refuses the whole request and stores nothing, as a v1 push does.
    func sync(_ request: PeerRequest, as sender: AuthenticatedDevice) async throws -> PeerResponse {
        let message = try MessageCodec.decode(Fieldbook_V2_SyncRequest.self, from: request.body)
        var decoder = try V2ChangeDecoder(devices: message.devices, authors: message.authors)
        let changes = try message.changes.map { try decoder.decode($0).change }
        let lacking = try SeqRanges(wire: message.lacking)
        let query = PullQuery(cursor: message.cursor, maxChanges: message.maxChanges, held: message.heldCases,
                              purged: message.purgedCases, rulesDigest: message.rulesDigest,
                              own: message.allOwn ? nil : OwnChanges(deviceID: sender.device.id, lacking: lacking),
                              arrival: message.acceptsSegments ? ArrivalQuery(horizon: message.arrivalHorizon, arriving: message.arriving) : nil)
        try query.validate()

        let verdicts = try await admit(changes, deviceTimeMs: message.deviceTimeMs, from: sender)
        // The device learns when the peer stored its changes from the verdicts, since they do not come back.
        let logged = try await storage.logged(verdicts.compactMap { verdict in
            switch verdict.admission {
            case .accepted, .duplicate: return verdict.id
            case .quarantined: return nil
            }
        })
        let batch = try await planPull(query, for: sender, tableElements: true)

        var response = Fieldbook_V2_SyncResponse()
        response.results = verdicts.map { verdict in
            var result = Fieldbook_V2_PushResult()
            switch verdict.admission {
            case .accepted: result.status = .accepted
            case .duplicate: result.status = .duplicate
            case .quarantined(let reason, let id):
                result.status = .quarantined
                result.reason = reason
                result.quarantineID = UInt64(id)
            }
            if let entry = logged[verdict.id] {
                if let milliseconds = WireTime.milliseconds(entry.receivedAt) {
                    result.receivedAtMs = milliseconds
                } else {
                    result.receivedAtText = entry.receivedAt
                }
                result.clockSkewMs = entry.clockSkew ?? 0
            }
            return result
        }
        var encoder = V2ChangeEncoder()
        response.changes = batch.entries.map { encoder.encode($0.change, receivedAt: $0.receivedAt, clockSkew: $0.clockSkew) }
        response.devices = encoder.tables.devices
        response.authors = encoder.tables.authors
        response.nextCursor = batch.nextCursor
        response.more = batch.more
        response.purgeCases = batch.revoked
        response.user = sender.user.name
        response.role = sender.user.role.rawValue
        response.serverTimeMs = Timestamp.milliseconds(clock())
        if let rules = batch.rules { response.rules = Fieldbook_V1_Rules(rules) }
        response.segments = batch.segments.map { Data($0.frame) }
        response.arrivalHorizon = batch.horizon
        response.arrivedCases = batch.arrived
        // Segments are compressed already: deflating them again would cost the peer the work they save.
        return PeerResponse(status: 200, body: try MessageCodec.encode(response, compress: batch.segments.isEmpty))
    }
}
