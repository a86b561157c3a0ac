import Foundation

/// The memory this process may use: physical memory, or the cgroup's limit when that is lower (containers, Slurm
/// jobs with --mem).
public enum SystemMemory {
    public static var availableBytes: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES))
        let size = sysconf(Int32(_SC_PAGESIZE))
        let physical = pages > 0 && size > 0 ? pages.multipliedReportingOverflow(by: size).partialValue : Int.max
        return min(physical, cgroupLimit ?? Int.max)
    }

    private static var cgroupLimit: Int? {
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
                let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), value > 0
            {
                return value
            }
        }
        return nil
    }
}

/// The memory a run will need, item by item, checked before any work so that a run too big for the machine is
/// refused with a sentence instead of being killed halfway.
///
/// Sizes are Doubles: an absurd configuration (a width of 65,536 at depth 64) must be estimated without
/// overflowing an Int.
public struct MemoryEstimate: Sendable, Codable {
    public private(set) var items: [Item] = []

    public struct Item: Sendable, Codable {
        public let what: String
        public let bytes: Double
    }

    public init() {}

    public mutating func add(_ what: String, bytes: Double) { items.append(Item(what: what, bytes: bytes)) }
    /// `count` values of `width` bytes each.
    public mutating func add(_ what: String, count: Double, width: Int) { add(what, bytes: count * Double(width)) }

    public var totalBytes: Double { items.reduce(0) { $0 + $1.bytes } }

    /// Throws a usage error when the total exceeds `fraction` of the memory available to the process.
    public func check(available: Int = SystemMemory.availableBytes, fraction: Double = 0.9) throws {
        let limit = Double(available) * fraction
        guard totalBytes.isFinite, totalBytes <= limit else {
            let largest = items.sorted { $0.bytes > $1.bytes }.prefix(3)
                .map { "\($0.what) \(formatBytes($0.bytes))" }.joined(separator: ", ")
            throw SpectralError.usage(
                "this run needs about \(formatBytes(totalBytes)) of memory (\(largest)) but the machine has \(formatBytes(Double(available))); reduce the sizes"
            )
        }
    }
}

/// Bytes in binary units with three significant digits ("1.10 TiB").
public func formatBytes(_ bytes: Double) -> String {
    guard bytes.isFinite else { return "an unbounded amount" }
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var value = bytes
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    if unit == 0 { return "\(Int(value)) B" }
    return String(format: value >= 100 ? "%.0f %@" : "%.1f %@", value, units[unit])
}
