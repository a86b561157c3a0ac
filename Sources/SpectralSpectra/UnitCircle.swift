import SpectralKernels

/// cos 2πt and sin 2πt for four t at once, from + − × ÷ and FMA only, so that sums of samples times phases run four
/// samples to a vector instead of calling libm's cos and sin for each.
///
/// The reduction is exact:
/// - r = t − round(t) ∈ [−½, ½], q = round(4r) ∈ {−2, …, 2}, f = r − q/4 ∈ [−⅛, ⅛]. Rounding to the nearest integer
///   adds and removes 1.5·2⁵², which is exact for |t| < 2⁵¹. The subtractions are exact by Sterbenz's lemma.
///
/// Then:
/// - x = 2πf ∈ [−π/4, π/4], with 2π in two parts, so x carries one rounding.
/// - sin x and cos x by their Taylor series to x¹⁷ and x¹⁸. The first omitted terms are below 1e−19 on the interval.
/// - The quarter turns are put back exactly: c_q = cos(qπ/2) = (6 − 7q² + q⁴)/6 and s_q = sin(qπ/2) = q(4 − q²)/3
///   are each 0 or ±1, computed without rounding, and
///   cos 2πt = cos x·c_q − sin x·s_q, sin 2πt = sin x·c_q + cos x·s_q.
///
/// Checked against libm's cos and sin: within 3 ulp of 1 (DFTTests).
@inline(__always)
public func unitCircle(turns t: Double4) -> (cos: Double4, sin: Double4) {
    let r = t - roundedToInteger(t)
    let q = roundedToInteger(4 * r)
    let f = r - 0.25 * q
    let twoPiHigh = 6.283_185_307_179_586
    let twoPiLow = 2.449_293_598_294_706_4e-16  // 2π = high + low
    let x = (f * Double4(repeating: twoPiLow)).addingProduct(f, Double4(repeating: twoPiHigh))
    let u = x * x
    let sinPoly = horner(u, UnitCircle.sineSeries)
    let cosPoly = horner(u, UnitCircle.cosineSeries)
    let sinX = x * sinPoly
    let cosX = cosPoly
    let qq = q * q
    let cq = (Double4(repeating: 6) - 7 * qq + qq * qq) / Double4(repeating: 6)
    let sq = q * (Double4(repeating: 4) - qq) / Double4(repeating: 3)
    return (cosX * cq - sinX * sq, sinX * cq + cosX * sq)
}

/// Round to the nearest integer (ties to even), exact for |v| < 2⁵¹.
@inline(__always)
private func roundedToInteger(_ v: Double4) -> Double4 {
    let magic = Double4(repeating: 6_755_399_441_055_744)  // 1.5·2⁵²
    return (v + magic) - magic
}

/// Σ_i c_i u^i by Horner's rule, the coefficients highest power first.
@inline(__always)
private func horner(_ u: Double4, _ coefficients: [Double]) -> Double4 {
    coefficients.dropFirst().reduce(Double4(repeating: coefficients[0])) { Double4(repeating: $1).addingProduct($0, u) }
}

enum UnitCircle {
    /// sin x / x = Σ (−1)^i u^i / (2i + 1)! to x¹⁷, highest power first (1/17!, −1/15!, …, 1), correctly rounded.
    static let sineSeries: [Double] = [
        2.811_457_254_345_520_6e-15, -7.647_163_731_819_816e-13,
        1.605_904_383_682_161_3e-10, -2.505_210_838_544_172e-08,
        2.755_731_922_398_589_3e-06, -1.984_126_984_126_984e-04,
        8.333_333_333_333_333e-03, -0.166_666_666_666_666_66, 1.0,
    ]
    /// cos x = Σ (−1)^i u^i / (2i)! to x¹⁸, highest power first (−1/18!, 1/16!, …, 1), correctly rounded.
    static let cosineSeries: [Double] = [
        -1.561_920_696_858_622_5e-16, 4.779_477_332_387_385e-14,
        -1.147_074_559_772_972_5e-11, 2.087_675_698_786_81e-09,
        -2.755_731_922_398_589e-07, 2.480_158_730_158_73e-05,
        -1.388_888_888_888_889e-03, 4.166_666_666_666_666_4e-02, -0.5, 1.0,
    ]
}
