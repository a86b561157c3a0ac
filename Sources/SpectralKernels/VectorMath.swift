import CSpectralSIMD

extension SIMD8 where Scalar == Float {
    /// The correctly rounded square root of every lane, in one instruction (vsqrtps). Use it in hot loops instead
    /// of `squareRoot()`, which on Linux goes lane by lane through libm's errno-checking `sqrtf`; the results are
    /// the same bits.
    @inlinable @inline(__always)
    public func laneSquareRoot() -> SIMD8<Float> { spectral_sqrt_float8(self) }
}
