import Foundation
import SpectralCore
import Synchronization

/// What an enumeration may grow to before it stops with an error instead of being killed: a count the user can raise
/// (`--max-pieces`, `--max-regions`) and the memory the next layer's arrays would need against the machine's.
///
/// A "folding" net (each layer a tent map of the one before) doubles its kinks with every layer: about 10¹² at depth
/// 40. The check runs before each layer's arrays are allocated, and interrupts are polled between layers.
public struct EnumerationLimits: Sendable {
    public var maximumCount: Int
    /// The name of the option that raises `maximumCount`, for the message.
    public var option: String
    public var availableBytes: Int
    /// Called after each layer with (layers done, layers in all): the command's progress.
    public var progress: (@Sendable (Int, Int) -> Void)?

    public init(maximumCount: Int, option: String, availableBytes: Int = SystemMemory.availableBytes) {
        self.maximumCount = maximumCount
        self.option = option
        self.availableBytes = availableBytes
    }

    public static let pieces = EnumerationLimits(maximumCount: 20_000_000, option: "--max-pieces")
    public static let regions = EnumerationLimits(maximumCount: 50_000_000, option: "--max-regions")

    /// Throws when layer `layer` (1-based) would make `count` pieces or regions, or need `bytes` of memory, beyond
    /// the limits.
    func check(layer: Int, count: Int, what: String, bytes: Double) throws {
        try Interrupt.check()
        if count > maximumCount {
            throw SpectralError.runtime(
                "layer \(layer) makes \(count) \(what), more than \(option) \(maximumCount); raise \(option) to go on (the next layer needs about \(formatBytes(bytes)))"
            )
        }
        if bytes > 0.8 * Double(availableBytes) {
            throw SpectralError.runtime(
                "layer \(layer) makes \(count) \(what), whose arrays need about \(formatBytes(bytes)) but the machine has \(formatBytes(Double(availableBytes)))"
            )
        }
    }
}

/// A count shared by parallel chunks that stop adding once it passes a limit (so a layer that would explode is
/// detected without materialising it).
final class SharedCount: @unchecked Sendable {
    private let value = Atomic<Int>(0)
    func add(_ n: Int) -> Int { value.add(n, ordering: .relaxed).newValue }
    var total: Int { value.load(ordering: .relaxed) }
}
