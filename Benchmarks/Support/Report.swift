import Foundation

/// One line of the benchmark's output: a workload's figure beside its physical-limit baseline and target.
struct ReportRow {
    let id: String
    let name: String
    let figure: String
    let baseline: String
    let ratio: String
    let target: String
    /// `nil` where the run only checks that the workload works (`--quick`).
    let passed: Bool?
    /// Lines printed under the row, indented: what the figure is made of (W5: where the CPU went, and what
    /// the first failed sync said).
    var details: [String] = []

    var line: String {
        let verdict = passed.map { $0 ? "PASS" : "FAIL" } ?? "ran"
        let row = [id.padding(18), name.padding(30), figure.padding(26), baseline.padding(34), ratio.padding(10), target.padding(30), verdict]
            .joined(separator: " ")
        return ([row] + details.map { "".padding(19) + $0 }).joined(separator: "\n")
    }

    static let header = ["workload".padding(18), "what".padding(30), "figure (median)".padding(26), "baseline (same run)".padding(34),
                         "ratio".padding(10), "target".padding(30), "result"].joined(separator: " ")
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

enum Format {
    static func rate(_ value: Double, _ unit: String) -> String {
        value >= 10_000 ? "\(grouped(Int(value.rounded()))) \(unit)/s" : String(format: "%.0f \(unit)/s", value)
    }

    static func milliseconds(_ seconds: Double) -> String { String(format: "%.2f ms", seconds * 1000) }

    static func bytes(_ count: Int) -> String {
        count >= 10 * 1024 * 1024 ? String(format: "%.1f MiB", Double(count) / 1_048_576)
            : count >= 10 * 1024 ? String(format: "%.1f KiB", Double(count) / 1024) : "\(count) B"
    }

    static func ratio(_ value: Double) -> String { String(format: "%.2f×", value) }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return out
    }
}
