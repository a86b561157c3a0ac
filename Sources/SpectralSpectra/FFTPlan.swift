import Foundation
import SpectralKernels

/// A reusable plan for the complex DFT of one length n, in Float64: X_k = Σ_j x_j e^{−2πi jk/n} (unnormalised,
/// docs/conventions.md); `inverse` includes the 1/n, so inverse(forward(x)) = x.
///
/// Lengths whose prime factors are 2, 3, 5 and 7 run as Stockham passes of radix 4, 2, 3, 5 and 7; a prime p with
/// p − 1 7-smooth goes through Rader's algorithm (a cyclic convolution of length p − 1); any other length goes
/// through Bluestein's chirp-z algorithm on a 5-smooth length ≥ 2n − 1. Twiddles are computed once, each from its
/// integer index reduced modulo its period (so they are accurate to an ulp however long the transform).
/// A plan owns scratch memory: use one plan per thread.
public final class FFTPlan: @unchecked Sendable {
    public let count: Int
    private let passes: StockhamPasses?
    private let rader: Rader?
    private let bluestein: Bluestein?
    private let work: AlignedBuffer<Double>
    private let workOffsets: [Int]

    public init(count: Int) {
        precondition(count >= 1, "an FFT needs at least one point")
        self.count = count
        let radices = FFTPlan.smoothFactors(count)
        passes = radices.map { StockhamPasses(radices: $0) }
        rader = radices == nil && Rader.applies(to: count) ? Rader(count: count) : nil
        bluestein = radices == nil && rader == nil ? Bluestein(count: count) : nil
        workOffsets = (0..<4).map { $0 * skewedStride(count) }
        work = AlignedBuffer(count: radices == nil ? 0 : 4 * skewedStride(count))  // Rader and Bluestein have their own
    }

    /// The radices whose product is n, in the order the passes run, or nil when n has another prime factor.
    ///
    /// Powers of two go in radix-4 passes, with a first radix-2 pass (no twiddles, unit-stride streams) taking up an
    /// odd exponent. That first pass was measured faster than a radix-8 one, whose 16 four-lane values spill AVX2's
    /// registers (Benchmarks/RESULTS.md, "FFT design measurements"). The radix-3, 5 and 7 passes come before the radix-4 ones: a pass
    /// runs four k′ to a vector when its m′ (the product of the radices after it) is a multiple of 4, and the last
    /// pass is vectorised over j with the radix-4 transposes in registers.
    static func smoothFactors(_ n: Int) -> [Int]? {
        var rest = n
        var twos = 0
        var odd: [Int] = []
        while rest % 2 == 0 {
            twos += 1
            rest /= 2
        }
        for r in [3, 5, 7] {
            while rest % r == 0 {
                odd.append(r)
                rest /= r
            }
        }
        guard rest == 1 else { return nil }
        return (twos % 2 == 1 ? [2] : []) + odd + Array(repeating: 4, count: twos / 2)
    }

    /// In-place forward transform of split complex data (n values each).
    public func forward(re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>) {
        if let rader {
            rader.transform(re: re, im: im)
            return
        }
        if let bluestein {
            bluestein.transform(re: re, im: im)
            return
        }
        passes?.run(source: (re, im), destination: (re, im), scratch: workPairs)
    }

    private var workPairs: (SplitArrays, SplitArrays) {
        let base = work.pointer
        return (
            (re: base + workOffsets[0], im: base + workOffsets[1]),
            (re: base + workOffsets[2], im: base + workOffsets[3])
        )
    }

    /// The transform of the n complex values z_j = x_{2j} + i·x_{2j+1} of 2n real samples `x`, into `re` and `im`
    /// (a real transform's half-length one). The first Stockham pass reads the samples where they lie; Rader,
    /// Bluestein and a lone pass get them deinterleaved first. Same bits as deinterleaving and `forward(re:im:)`.
    func forward(
        pairedReals x: UnsafePointer<Double>, re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>
    ) {
        guard let passes, passes.firstPassTakesAnyInput else {
            forEachLaneGroup(
                count: count,
                vector: { j in
                    let (even, odd) = Double4.deinterleaved(x + 2 * j)
                    even.store(re + j)
                    odd.store(im + j)
                },
                scalar: { j in (re[j], im[j]) = (x[2 * j], x[2 * j + 1]) })
            forward(re: re, im: im)
            return
        }
        passes.run(input: PairedRealInput(samples: x), inPlace: false, destination: (re, im), scratch: workPairs)
    }

    /// In-place inverse transform, scaled by 1/n: conj(forward(conj(x)))/n.
    public func inverse(re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>) {
        for i in 0..<count { im[i] = -im[i] }
        forward(re: re, im: im)
        let scale = 1 / Double(count)
        for i in 0..<count {
            re[i] *= scale
            im[i] = -im[i] * scale
        }
    }

    public func forward(_ x: [Complex]) -> [Complex] { apply(x, inverse: false) }
    public func inverse(_ x: [Complex]) -> [Complex] { apply(x, inverse: true) }

    private func apply(_ x: [Complex], inverse: Bool) -> [Complex] {
        precondition(x.count == count, "FFT plan for \(count) points got \(x.count)")
        var re = x.map(\.re)
        var im = x.map(\.im)
        re.withUnsafeMutableBufferPointer { r in
            im.withUnsafeMutableBufferPointer { i in
                if inverse {
                    self.inverse(re: r.baseAddress!, im: i.baseAddress!)
                } else {
                    forward(re: r.baseAddress!, im: i.baseAddress!)
                }
            }
        }
        return zip(re, im).map { Complex($0, $1) }
    }
}

/// Where to start each of several work arrays of `count` Doubles kept in one buffer: at multiples of at least
/// `count` that are 1 KiB past a multiple of 4 KiB. Arrays that share their low address bits put every stream of a
/// power-of-two pass in one cache set, and make loads alias earlier stores modulo 4 KiB.
func skewedStride(_ count: Int) -> Int { count + (128 - count % 512 + 512) % 512 }

/// e^{2πi·index/period}, with the index reduced modulo the period into [−period/2, period/2] in integers first.
func unitRoot(index: Int, period: Int) -> Complex {
    var a = index % period
    if a > period / 2 { a -= period }
    if a < -period / 2 { a += period }
    return Complex.unit(turns: Double(a) / Double(period))
}
