/// SplitMix64 (Steele, Lea & Flood 2014): the one seeded generator of the package.
///
/// Every random draw in a run comes from a generator made from the run's seed and passed explicitly, so a run is
/// fully determined by its configuration and seed. Derived streams (`fork(_:)`) let parallel work draw from
/// independent sequences whose values do not depend on how the work is scheduled.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An independent generator for sub-task `index` (e.g. run i of a sweep), seeded from this one's next output.
    public func fork(_ index: UInt64) -> SplitMix64 {
        var mixer = SplitMix64(seed: state ^ (index &* 0xD1B5_4A32_D192_ED03))
        _ = mixer.next()
        return SplitMix64(seed: mixer.next())
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextUnitDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in [low, high).
    @inline(__always)
    public mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * nextUnitDouble() }

    /// Uniform integer in 0..<bound by rejection (no modulo bias); defined here rather than through the standard
    /// library's `next(upperBound:)` so the stream does not change with the toolchain.
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "nextIndex needs a positive bound")
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let x = next()
            if x < limit { return Int(x % b) }
        }
    }

    /// Fisher–Yates shuffle of `array` in place.
    public mutating func shuffle<T>(_ array: inout [T]) {
        var i = array.count - 1
        while i > 0 {
            array.swapAt(i, nextIndex(below: i + 1))
            i -= 1
        }
    }

    /// Standard normal by the Box–Muller transform (both values of a pair are not cached: one draw, two uniforms,
    /// so the stream position never depends on call history).
    public mutating func standardNormal() -> Double {
        var u1 = nextUnitDouble()
        while u1 == 0 { u1 = nextUnitDouble() }
        let u2 = nextUnitDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
