import Foundation

/// CPU time processes have used, read from Linux's `/proc/PID/stat`: where W5's cores go (the peer
/// processes, the PostgreSQL server, and this process, which plays the devices).
enum ProcessCPU {
    private static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// User plus system seconds of process `pid` so far (every thread); 0 where it cannot be read.
    static func seconds(of pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let nameEnd = text.lastIndex(of: ")") else { return 0 }
        // After the name: state (field 3), ..., utime (field 14), stime (field 15).
        let fields = text[text.index(after: nameEnd)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / ticksPerSecond
    }

    /// The seconds of every running process whose command name is `name` (PostgreSQL's server and its
    /// backends are all `postgres`). A process that ended in between is not counted, and another PostgreSQL
    /// busy on the same machine is: run W5 with none.
    static func seconds(ofProcessesNamed name: String) -> Double {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).reduce(0) { total, pid in
            let command = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return command == name ? total + seconds(of: pid) : total
        }
    }
}

/// CPU seconds of W5's parties, read together so that differences between two readings cover one interval.
struct W5CPUReading {
    var peers: Double
    var postgres: Double
    var devices: Double

    static func now(peers: [Int32], postgres: Bool) -> W5CPUReading {
        W5CPUReading(peers: peers.reduce(0) { $0 + ProcessCPU.seconds(of: $1) },
                     postgres: postgres ? ProcessCPU.seconds(ofProcessesNamed: "postgres") : 0,
                     devices: ProcessCPU.seconds(of: getpid()))
    }

    static func - (later: W5CPUReading, earlier: W5CPUReading) -> W5CPUReading {
        W5CPUReading(peers: later.peers - earlier.peers, postgres: later.postgres - earlier.postgres,
                     devices: later.devices - earlier.devices)
    }

    static func + (one: W5CPUReading, other: W5CPUReading) -> W5CPUReading {
        W5CPUReading(peers: one.peers + other.peers, postgres: one.postgres + other.postgres,
                     devices: one.devices + other.devices)
    }

    static let zero = W5CPUReading(peers: 0, postgres: 0, devices: 0)
}
