import Foundation
import SpectralKernels

/// Bluestein's algorithm: with w_k = e^{−πi k²/n}, X_j = w_j Σ_k (x_k w_k) conj(w_{j−k}), a convolution done with
/// FFTs of a 5-smooth length m ≥ 2n − 1, a multiple of 4 chosen for speed (`fastSmooth`). k² is reduced modulo 2n in
/// integers, so the chirp is exact to an ulp.
///
/// The inverse transform of the convolution is folded into the steps around it: the kernel's transform is stored
/// already divided by m, the product is written conjugated, and the final conjugation is folded into the chirp
/// multiply, so conj(FFT(conj(·)))/m costs no pass of its own.
final class Bluestein {
    let count: Int
    let inner: FFTPlan
    /// w_k, k < n.
    let chirpRe: AlignedBuffer<Double>, chirpIm: AlignedBuffer<Double>
    /// FFT(conj w_{±k}) / m.
    let kernelRe: AlignedBuffer<Double>, kernelIm: AlignedBuffer<Double>
    let bufferRe: AlignedBuffer<Double>, bufferIm: AlignedBuffer<Double>

    init(count n: Int) {
        count = n
        // A multiple of 4, so that every pass of the inner transforms but the last runs four k′ to a vector.
        let m = Bluestein.fastSmooth(atLeast: 2 * n - 1)
        inner = FFTPlan(count: m)
        chirpRe = AlignedBuffer(count: n)
        chirpIm = AlignedBuffer(count: n)
        kernelRe = AlignedBuffer(count: m)
        kernelIm = AlignedBuffer(count: m)
        for k in 0..<n {
            let w = unitRoot(index: -((k * k) % (2 * n)), period: 2 * n)
            chirpRe[k] = w.re
            chirpIm[k] = w.im
            kernelRe[k] = w.re
            kernelIm[k] = -w.im
            if k > 0 {
                kernelRe[m - k] = w.re
                kernelIm[m - k] = -w.im
            }
        }
        inner.forward(re: kernelRe.pointer, im: kernelIm.pointer)
        let scale = 1 / Double(m)
        for k in 0..<m {
            kernelRe[k] *= scale
            kernelIm[k] *= scale
        }
        bufferRe = AlignedBuffer(count: m)
        bufferIm = AlignedBuffer(count: m)
    }

    /// The 5-smooth multiple of 4 in [n, 2n) with the least estimated time: length × Σ over its passes of a cost
    /// per pass, 1 for radix 2 and 4, 1.1 for 3 and 1.2 for 5, weights fitted to measured transform times
    /// (Benchmarks/RESULTS.md). The nearest smooth length is not the fastest: 65537 points need an inner length of
    /// at least 131073, and 131220 = 2²·3⁸·5 is slower than 138240 = 2¹⁰·3³·5.
    static func fastSmooth(atLeast n: Int) -> Int {
        func cost(_ m: Int) -> Double {
            Double(m) * FFTPlan.smoothFactors(m)!.reduce(0) { $0 + ($1 == 3 ? 1.1 : $1 == 5 ? 1.2 : 1) }
        }
        var best = 4 * (1 << max(0, Int(ceil(log2(Double(max(n, 4)) / 4)))))  // a power of two: always a candidate
        var fives = 1
        while fives < 2 * n {
            var threes = fives
            while threes < 2 * n {
                var m = 4 * threes
                while m < n { m *= 2 }
                if m < 2 * n, cost(m) < cost(best) { best = m }
                threes *= 3
            }
            fives *= 5
        }
        return best
    }

    func transform(re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>) {
        let m = inner.count
        let (br, bi) = (bufferRe.pointer, bufferIm.pointer)
        let (cr, ci, kr, ki) = (chirpRe.pointer, chirpIm.pointer, kernelRe.pointer, kernelIm.pointer)
        // b = x·w, zero-padded to m
        forEachLaneGroup(
            count: count,
            vector: { multiply(Double4.self, re + $0, im + $0, by: cr + $0, ci + $0, into: br + $0, bi + $0) },
            scalar: { multiply(Double.self, re + $0, im + $0, by: cr + $0, ci + $0, into: br + $0, bi + $0) })
        (br + count).update(repeating: 0, count: m - count)
        (bi + count).update(repeating: 0, count: m - count)
        inner.forward(re: br, im: bi)
        // conj(B·K/m), m a multiple of 4
        for k in stride(from: 0, to: m, by: 4) {
            multiply(Double4.self, br + k, bi + k, by: kr + k, ki + k, into: br + k, bi + k, conjugated: true)
        }
        inner.forward(re: br, im: bi)
        // X = conj(b)·w: the inverse transform's last conjugation folded in
        forEachLaneGroup(
            count: count,
            vector: {
                multiply(
                    Double4.self, br + $0, bi + $0, by: cr + $0, ci + $0, into: re + $0, im + $0,
                    conjugatingFirst: true)
            },
            scalar: {
                multiply(
                    Double.self, br + $0, bi + $0, by: cr + $0, ci + $0, into: re + $0, im + $0,
                    conjugatingFirst: true)
            })
    }

    /// z = x·y for V.width complex values (z may be x), with x conjugated first or z conjugated after when asked.
    @inline(__always)
    private func multiply<V: FFTLane>(
        _: V.Type, _ xRe: UnsafePointer<Double>, _ xIm: UnsafePointer<Double>,
        by yRe: UnsafePointer<Double>, _ yIm: UnsafePointer<Double>,
        into zRe: UnsafeMutablePointer<Double>, _ zIm: UnsafeMutablePointer<Double>,
        conjugatingFirst: Bool = false, conjugated: Bool = false
    ) {
        let xr = V.load(xRe)
        let xi = conjugatingFirst ? -V.load(xIm) : V.load(xIm)
        let yr = V.load(yRe)
        let yi = V.load(yIm)
        let zr = xr * yr - xi * yi
        let zi = xr * yi + xi * yr
        zr.store(zRe)
        (conjugated ? -zi : zi).store(zIm)
    }
}
