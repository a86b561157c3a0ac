import SpectralKernels

/// Rader's algorithm for a prime length p whose p − 1 is 7-smooth: the DFT becomes a cyclic convolution of length
/// N = p − 1, done by two Stockham transforms of N points instead of Bluestein's two of a length ≥ 2p − 1.
///
/// With g a primitive root modulo p, every j ≠ 0 is g^q and every k ≠ 0 is g^(−r) for one q and r in [0, N), so
///
///     X_0 = x_0 + Σ_q a_q,     X_{g^(−r)} = x_0 + Σ_q a_q b_{r−q},     a_q = x_{g^q},  b_m = e^{−2πi g^(−m)/p},
///
/// a cyclic convolution of a and b. As in `Bluestein`, b's transform is stored divided by N and the inverse
/// transform is a forward one between two conjugations, the second folded into the output scatter. Each b_m is
/// computed from its integer index g^(−m) mod p, so the kernel is exact to an ulp.
final class Rader {
    let count: Int
    let inner: FFTPlan
    /// g^q mod p for q ∈ [0, N): where a_q is read, and (at q = −r mod N) where the r-th convolution value goes.
    let powers: [Int32]
    /// FFT(b) / N.
    let kernelRe: AlignedBuffer<Double>, kernelIm: AlignedBuffer<Double>
    let bufferRe: AlignedBuffer<Double>, bufferIm: AlignedBuffer<Double>

    /// A plan for prime p with p − 1 7-smooth (`Rader.applies(to:)`), p < 2³¹.
    init(count p: Int) {
        precondition(Rader.applies(to: p), "Rader's algorithm needs a prime length below 2³¹ with p − 1 7-smooth")
        count = p
        let n = p - 1
        inner = FFTPlan(count: n)
        let g = Rader.primitiveRoot(p)
        var powers = [Int32](repeating: 1, count: n)
        for q in 1..<max(1, n) { powers[q] = Int32(Int(powers[q - 1]) * g % p) }
        self.powers = powers
        kernelRe = AlignedBuffer(count: n)
        kernelIm = AlignedBuffer(count: n)
        for m in 0..<n {
            let w = unitRoot(index: -Int(powers[(n - m) % n]), period: p)
            kernelRe[m] = w.re / Double(n)
            kernelIm[m] = w.im / Double(n)
        }
        inner.forward(re: kernelRe.pointer, im: kernelIm.pointer)
        bufferRe = AlignedBuffer(count: n)
        bufferIm = AlignedBuffer(count: n)
    }

    /// Whether p is a prime of at least 3, below 2³¹ (so products of residues fit in an Int), with p − 1 7-smooth.
    static func applies(to p: Int) -> Bool {
        p >= 3 && p < 1 << 31 && isPrime(p) && FFTPlan.smoothFactors(p - 1) != nil
    }

    static func isPrime(_ p: Int) -> Bool {
        guard p >= 2 else { return false }
        var d = 2
        while d * d <= p {
            if p % d == 0 { return false }
            d += 1
        }
        return true
    }

    /// The least g whose order modulo p is p − 1: g^((p−1)/f) ≠ 1 for every prime f dividing p − 1.
    static func primitiveRoot(_ p: Int) -> Int {
        let factors = [2, 3, 5, 7].filter { (p - 1) % $0 == 0 }
        func power(_ base: Int, _ exponent: Int) -> Int {
            var (result, b, e) = (1, base % p, exponent)
            while e > 0 {
                if e & 1 == 1 { result = result * b % p }
                b = b * b % p
                e >>= 1
            }
            return result
        }
        var g = 2
        while factors.contains(where: { power(g, (p - 1) / $0) == 1 }) { g += 1 }
        return g
    }

    func transform(re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>) {
        let n = count - 1
        let (br, bi) = (bufferRe.pointer, bufferIm.pointer)
        let (kr, ki) = (kernelRe.pointer, kernelIm.pointer)
        let (x0r, x0i) = (re[0], im[0])
        powers.withUnsafeBufferPointer { powers in
            for q in 0..<n {
                let j = Int(powers[q])
                br[q] = re[j]
                bi[q] = im[j]
            }
            inner.forward(re: br, im: bi)
            re[0] = x0r + br[0]
            im[0] = x0i + bi[0]
            // conj(A·B/N): the inverse transform's first conjugation
            forEachLaneGroup(
                count: n,
                vector: { multiplyConjugated(Double4.self, br + $0, bi + $0, by: kr + $0, ki + $0) },
                scalar: { multiplyConjugated(Double.self, br + $0, bi + $0, by: kr + $0, ki + $0) })
            inner.forward(re: br, im: bi)
            // X_{g^q} = x_0 + conj(buffer[−q mod N]): its last conjugation
            for q in 0..<n {
                let j = Int(powers[q])
                let r = q == 0 ? 0 : n - q
                re[j] = x0r + br[r]
                im[j] = x0i - bi[r]
            }
        }
    }

    /// x ← conj(x·y) for V.width complex values.
    @inline(__always)
    private func multiplyConjugated<V: FFTLane>(
        _: V.Type, _ xRe: UnsafeMutablePointer<Double>, _ xIm: UnsafeMutablePointer<Double>,
        by yRe: UnsafePointer<Double>, _ yIm: UnsafePointer<Double>
    ) {
        let (xr, xi, yr, yi) = (V.load(xRe), V.load(xIm), V.load(yRe), V.load(yIm))
        (xr * yr - xi * yi).store(xRe)
        (-(xr * yi + xi * yr)).store(xIm)
    }
}
