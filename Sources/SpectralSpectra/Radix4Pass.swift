import SpectralKernels

/// The radix-4 Stockham pass with m′ a multiple of 4, written out: the same sums as `stockhamPass` with `Radix4`,
/// but with every value a named register variable rather than a slot of the generic driver's scratch array, no test
/// for the unit twiddles of j = 0 inside the loop, and complex products by FMA: faster than the generic driver on
/// `Double4` (Benchmarks/RESULTS.md, "FFT design measurements").
///
///     for each j:  a_q = in[(4j + q)·m′ + k] · ω_{4L}^{q·j}      (k = 0, 4, 8, … < m′: four k′ per Double4)
///                  out[(j + L·s)·m′ + k] = Σ_q a_q (−i)^{q·s}
func radix4Pass(
    L: Int, mOut: Int, input: some PassInput, outRe: UnsafeMutablePointer<Double>, outIm: UnsafeMutablePointer<Double>,
    twiddleRe: UnsafePointer<Double>, twiddleIm: UnsafePointer<Double>
) {
    // m′ = 4 (the last pass but one of a power of 4) gets its own copy with the k loop gone (Benchmarks/RESULTS.md).
    if mOut == 4 {
        radix4Groups(
            L: L, mOut: 4, input: input, outRe: outRe, outIm: outIm, twiddleRe: twiddleRe,
            twiddleIm: twiddleIm)
    } else {
        radix4Groups(
            L: L, mOut: mOut, input: input, outRe: outRe, outIm: outIm, twiddleRe: twiddleRe,
            twiddleIm: twiddleIm)
    }
}

@inline(__always)
private func radix4Groups(
    L: Int, mOut: Int, input: some PassInput, outRe: UnsafeMutablePointer<Double>, outIm: UnsafeMutablePointer<Double>,
    twiddleRe: UnsafePointer<Double>, twiddleIm: UnsafePointer<Double>
) {
    let one = Double4(repeating: 1)
    let zero = Double4(repeating: 0)
    radix4Group(
        j: 0, twiddles: (one, zero, one, zero, one, zero), twiddled: false, L: L, mOut: mOut, input: input,
        outRe: outRe, outIm: outIm)
    for j in 1..<max(L, 1) {
        let w = 3 &* j
        let twiddles = (
            Double4(repeating: twiddleRe[w]), Double4(repeating: twiddleIm[w]),
            Double4(repeating: twiddleRe[w &+ 1]), Double4(repeating: twiddleIm[w &+ 1]),
            Double4(repeating: twiddleRe[w &+ 2]), Double4(repeating: twiddleIm[w &+ 2])
        )
        radix4Group(
            j: j, twiddles: twiddles, twiddled: true, L: L, mOut: mOut, input: input,
            outRe: outRe, outIm: outIm)
    }
}

@inline(__always)
private func radix4Group(
    j: Int, twiddles w: (Double4, Double4, Double4, Double4, Double4, Double4), twiddled: Bool,
    L: Int, mOut: Int, input: some PassInput, outRe: UnsafeMutablePointer<Double>, outIm: UnsafeMutablePointer<Double>
) {
    let source = 4 &* j &* mOut
    let destination = j &* mOut
    let outStride = L &* mOut
    var k = 0
    while k < mOut {
        let i0 = source &+ k
        let o0 = destination &+ k
        let (x0r, x0i) = input.load(Double4.self, i0)
        var (x1r, x1i) = input.load(Double4.self, i0 &+ mOut)
        var (x2r, x2i) = input.load(Double4.self, i0 &+ 2 &* mOut)
        var (x3r, x3i) = input.load(Double4.self, i0 &+ 3 &* mOut)
        if twiddled {
            (x1r, x1i) = complexProduct(x1r, x1i, w.0, w.1)
            (x2r, x2i) = complexProduct(x2r, x2i, w.2, w.3)
            (x3r, x3i) = complexProduct(x3r, x3i, w.4, w.5)
        }
        let t0r = x0r + x2r
        let t0i = x0i + x2i
        let t1r = x0r - x2r
        let t1i = x0i - x2i
        let t2r = x1r + x3r
        let t2i = x1i + x3i
        let t3r = x1i - x3i
        let t3i = x3r - x1r  // −i·(x1 − x3)
        (t0r + t2r).store(outRe + o0)
        (t0i + t2i).store(outIm + o0)
        (t1r + t3r).store(outRe + (o0 &+ outStride))
        (t1i + t3i).store(outIm + (o0 &+ outStride))
        (t0r - t2r).store(outRe + (o0 &+ 2 &* outStride))
        (t0i - t2i).store(outIm + (o0 &+ 2 &* outStride))
        (t1r - t3r).store(outRe + (o0 &+ 3 &* outStride))
        (t1i - t3i).store(outIm + (o0 &+ 3 &* outStride))
        k &+= 4
    }
}

/// (xr + i·xi)(wr + i·wi), each part one multiply and one FMA.
@inline(__always)
func complexProduct(_ xr: Double4, _ xi: Double4, _ wr: Double4, _ wi: Double4) -> (Double4, Double4) {
    ((wr * xr).addingProduct(-wi, xi), (wi * xr).addingProduct(wr, xi))
}
