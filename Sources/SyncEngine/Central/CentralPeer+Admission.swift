import Store
import SyncProtocol

/// The verdict on one pushed change, whichever protocol version carried it.
struct PushVerdict: Sendable {
    let id: ChangeID
    let admission: ChangeAdmission.Outcome
}

extension CentralPeer {
    /// Admits a push's changes in request order in one durable transaction (SPEC.md §3.3, §6.5), and
    /// answers only after it committed: the same for `/v1/push` and `/v2/sync`.
    ///
    /// - Parameter deviceTimeMs: the device's clock when it sent the push; 0 if not given.
    func admit(_ changes: [Change], deviceTimeMs: Int64, from sender: AuthenticatedDevice) async throws -> [PushVerdict] {
        guard !changes.isEmpty else { return [] }
        let (device, user) = (sender.device, sender.user)
        let received = now
        // Device clock minus ours; 0 (not sent) means unknown. Beyond the tolerance it is flagged.
        let skew = deviceTimeMs == 0 ? 0 : ClockSkew.difference(deviceTimeMs, Timestamp.milliseconds(clock()))
        let flagged = ClockSkew.exceeds(skew, ProtocolLimits.clockSkewTolerance) ? skew : nil
        if let flagged {
            logger.warning("device clock skewed", metadata: ["user": "\(user.name)", "device": "\(device.id)", "skew_ms": "\(flagged)"])
        }
        let clock = clock
        let verdicts = try await retryingConflicts { intake -> [PushVerdict] in
            let view = AdmissionView(intake: intake)
            try await view.load(changes, from: device.id, by: user.name)
            var admission = ChangeAdmission(device: device, user: user, view: view, now: received, clockSkew: flagged)
            admission.clockLead = ClockLead(peerMilliseconds: Timestamp.milliseconds(clock()))
            var verdicts: [PushVerdict] = []
            verdicts.reserveCapacity(changes.count)
            for change in changes {
                verdicts.append(PushVerdict(id: change.id, admission: try await admission.admit(change)))
            }
            try await view.flush()
            return verdicts
        }
        FaultPoint.reached("server-after-push-commit")
        var quarantined = 0
        for verdict in verdicts {
            guard case .quarantined(let reason, _) = verdict.admission else { continue }
            quarantined += 1
            logger.warning("quarantined", metadata: ["change": "\(verdict.id)", "reason": "\(reason)"])
        }
        logger.info("push", metadata: ["user": "\(user.name)", "device": "\(device.id)", "changes": "\(changes.count)",
                                       "quarantined": "\(quarantined)"])
        return verdicts
    }

    /// Runs `body` in an intake, again after a conflict with a concurrent transaction (another instance
    /// admitting a push of the same device or record): at most ``intakeAttempts`` times, waiting a little
    /// longer each time. A conflict rolled everything of the attempt back, so nothing is stored twice.
    func retryingConflicts<T: Sendable>(_ body: @escaping @Sendable (any CentralIntake) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await storage.intake(body)
            } catch CentralStorageError.conflict(let why) where attempt < Self.intakeAttempts {
                logger.info("intake conflicted; trying again", metadata: ["attempt": "\(attempt)", "reason": "\(why)"])
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...10) << attempt))
                attempt += 1
            }
        }
    }

    /// How many times an intake is tried when it conflicts with a concurrent one.
    public static let intakeAttempts = 5
}
