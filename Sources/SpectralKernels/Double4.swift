import CSpectralSIMD

/// Four Doubles in one AVX register, whose arithmetic compiles to one instruction per operation.
///
/// `SIMD4<Double>` computes `+`, `-` and `*` lane by lane and relies on LLVM to vectorise them again, which fails
/// in larger loop bodies (a radix-4 FFT pass ran at about twice the cycles of the same loop in C; Benchmarks/RESULTS.md). `Double4`
/// forwards each operation to clang's vector extensions instead (CSpectralSIMD), so the FFT codelets get the code
/// they spell out. Lanes are `SIMD4<Double>` for everything that is not in a hot loop.
@frozen
public struct Double4 {
    public var lanes: SIMD4<Double>

    @inlinable @inline(__always) public init(_ lanes: SIMD4<Double>) { self.lanes = lanes }
    @inlinable @inline(__always) public init(repeating x: Double) { lanes = spectral_splat_double4(x) }

    @inlinable @inline(__always) public static func + (a: Double4, b: Double4) -> Double4 {
        Double4(spectral_add_double4(a.lanes, b.lanes))
    }
    @inlinable @inline(__always) public static func - (a: Double4, b: Double4) -> Double4 {
        Double4(spectral_sub_double4(a.lanes, b.lanes))
    }
    @inlinable @inline(__always) public static func * (a: Double4, b: Double4) -> Double4 {
        Double4(spectral_mul_double4(a.lanes, b.lanes))
    }
    @inlinable @inline(__always) public static func * (a: Double, b: Double4) -> Double4 { Double4(repeating: a) * b }
    @inlinable @inline(__always) public static func / (a: Double4, b: Double4) -> Double4 {
        Double4(spectral_div_double4(a.lanes, b.lanes))
    }
    /// The sign flipped, as `-x` does to each lane (so −(+0) = −0).
    @inlinable @inline(__always) public static prefix func - (a: Double4) -> Double4 {
        Double4(spectral_neg_double4(a.lanes))
    }

    /// self + a·b, rounded once.
    @inlinable @inline(__always) public func addingProduct(_ a: Double4, _ b: Double4) -> Double4 {
        Double4(spectral_fma_double4(a.lanes, b.lanes, lanes))
    }

    /// Four Doubles from p (any alignment).
    @inlinable @inline(__always) public static func load(_ p: UnsafePointer<Double>) -> Double4 {
        Double4(UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self))
    }
    @inlinable @inline(__always) public func store(_ p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: lanes, as: SIMD4<Double>.self)
    }

    /// The 4 × 4 transpose of 16 contiguous Doubles: result q holds p[4t + q] in lane t. Pairs are interleaved
    /// within 128-bit halves, then the halves are recombined: eight shuffles, no memory round trip.
    @inlinable @inline(__always)
    public static func transposed4(_ p: UnsafePointer<Double>) -> (Double4, Double4, Double4, Double4) {
        let v0 = load(p).lanes
        let v1 = load(p + 4).lanes
        let v2 = load(p + 8).lanes
        let v3 = load(p + 12).lanes
        let t0 = spectral_unpack_low_double4(v0, v1)
        let t1 = spectral_unpack_high_double4(v0, v1)
        let t2 = spectral_unpack_low_double4(v2, v3)
        let t3 = spectral_unpack_high_double4(v2, v3)
        return (
            Double4(spectral_low_halves_double4(t0, t2)), Double4(spectral_low_halves_double4(t1, t3)),
            Double4(spectral_high_halves_double4(t0, t2)), Double4(spectral_high_halves_double4(t1, t3))
        )
    }

    /// The lanes in reverse order.
    @inlinable @inline(__always) public var reversed: Double4 { Double4(spectral_reverse_double4(lanes)) }

    /// The 8 Doubles at p split into (p0, p2, p4, p6) and (p1, p3, p5, p7).
    @inlinable @inline(__always)
    public static func deinterleaved(_ p: UnsafePointer<Double>) -> (even: Double4, odd: Double4) {
        let a = load(p).lanes
        let b = load(p + 4).lanes
        return (Double4(spectral_even_lanes_double4(a, b)), Double4(spectral_odd_lanes_double4(a, b)))
    }
}
