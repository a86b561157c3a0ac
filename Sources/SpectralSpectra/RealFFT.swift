import Foundation
import SpectralKernels

/// The DFT of n real samples, returning the n/2 + 1 non-redundant bins (X_{n−k} = conj X_k).
///
/// Even n: the samples are read as z_j = x_{2j} + i·x_{2j+1} by one complex FFT of n/2 points, then
/// X_k = (Z_k + conj Z_{n/2−k})/2 − (i/2)·e^{−2πik/n}(Z_k − conj Z_{n/2−k}). Odd n: one complex FFT of n points.
public final class RealFFTPlan: @unchecked Sendable {
    public let count: Int
    private let half: FFTPlan?
    private let full: FFTPlan?
    /// The work arrays zr and zi (the half-length transform, or the whole one for odd n), then for even n the
    /// twiddles e^{−2πik/n}, k = 0…n/2, real and imaginary parts: four arrays skewed apart (`skewedStride`), since
    /// the bins' combination runs twelve streams at once.
    private let storage: AlignedBuffer<Double>
    private let stride: Int

    public init(count: Int) {
        precondition(count >= 1, "an FFT needs at least one point")
        self.count = count
        let h = count / 2
        if count % 2 == 0 {
            half = FFTPlan(count: h)
            full = nil
            stride = skewedStride(h + 1)
            storage = AlignedBuffer(count: 4 * stride)
            for k in 0...h {
                let w = unitRoot(index: -k, period: count)
                (storage[2 * stride + k], storage[3 * stride + k]) = (w.re, w.im)
            }
        } else {
            half = nil
            full = FFTPlan(count: count)
            stride = skewedStride(count)
            storage = AlignedBuffer(count: 2 * stride)
        }
    }

    private var workRe: UnsafeMutablePointer<Double> { storage.pointer }
    private var workIm: UnsafeMutablePointer<Double> { storage.pointer + stride }
    private var twiddleRe: UnsafeMutablePointer<Double> { storage.pointer + 2 * stride }
    private var twiddleIm: UnsafeMutablePointer<Double> { storage.pointer + 3 * stride }

    /// Writes the n/2 + 1 bins of the DFT of `x` (n reals) to `re` and `im`. Uses the plan's scratch: one call at
    /// a time per plan.
    public func forward(_ x: UnsafePointer<Double>, re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>)
    {
        let (zr, zi) = (workRe, workIm)
        guard let half else {
            for j in 0..<count {
                zr[j] = x[j]
                zi[j] = 0
            }
            full!.forward(re: zr, im: zi)
            re.update(from: zr, count: count / 2 + 1)
            im.update(from: zi, count: count / 2 + 1)
            return
        }
        let h = count / 2
        half.forward(pairedReals: x, re: zr, im: zi)
        // Bins 0 and h both come from Z_0 alone. Bin k ∈ [1, h) pairs Z_k with Z_{h−k}, and bin h − k the same two:
        // each pair of bins is computed from one read of both, four pairs at a time with the upper partners read
        // as a vector and reversed. For even h, bin h/2 is its own partner.
        let (z0r, z0i) = (zr[0], zi[0])
        (re[0], im[0]) = bin(z0r, z0i, partner: z0r, z0i, twiddle: twiddleRe[0], twiddleIm[0])
        (re[h], im[h]) = bin(z0r, z0i, partner: z0r, z0i, twiddle: twiddleRe[h], twiddleIm[h])
        let pairs = (h - 1) / 2  // k = 1…pairs, with partners h − pairs…h − 1
        forEachLaneGroup(
            count: pairs,
            vector: { i in combineBins(Double4.self, low: 1 + i, high: h - 1 - i - 3, re: re, im: im) },
            scalar: { i in combineBins(Double.self, low: 1 + i, high: h - 1 - i, re: re, im: im) })
        if h % 2 == 0 { combineBins(Double.self, low: h / 2, high: h / 2, re: re, im: im) }
    }

    /// Bins low…low + width − 1 and high + width − 1 down to high, which pair the same values Z (the partners of
    /// bin k in the lower run are the upper run's bins h − k, read backwards): X_k = E − i·w_k·O with
    /// E = (Z_k + conj Z_{h−k})/2 and O = (Z_k − conj Z_{h−k})/2, and X_{h−k} likewise with the two swapped.
    @inline(__always)
    private func combineBins<V: FFTLane>(
        _: V.Type, low: Int, high: Int, re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>
    ) {
        let (zr, zi) = (workRe, workIm)
        let (lowRe, lowIm) = (V.load(zr + low), V.load(zi + low))
        let (highRe, highIm) = (V.load(zr + high).reversed, V.load(zi + high).reversed)
        let (tw, th) = (twiddleRe, twiddleIm)
        let lowBins = bin(lowRe, lowIm, partner: highRe, highIm, twiddle: V.load(tw + low), V.load(th + low))
        lowBins.re.store(re + low)
        lowBins.im.store(im + low)
        if low == high { return }
        let highBins = bin(
            highRe, highIm, partner: lowRe, lowIm, twiddle: V.load(tw + high).reversed, V.load(th + high).reversed)
        highBins.re.reversed.store(re + high)
        highBins.im.reversed.store(im + high)
    }

    /// X_k = E − i·w·O from Z_k = (ar, ai), its partner Z_{h−k} = (br, bi) and w = e^{−2πik/n} = (wr, wi).
    @inline(__always)
    private func bin<V: FFTLane>(_ ar: V, _ ai: V, partner br: V, _ bi: V, twiddle wr: V, _ wi: V) -> (re: V, im: V) {
        let evenR = 0.5 * (ar + br)
        let evenI = 0.5 * (ai - bi)
        let oddR = 0.5 * (ar - br)
        let oddI = 0.5 * (ai + bi)
        let tr = wr * oddR - wi * oddI
        let ti = wr * oddI + wi * oddR
        return (evenR + ti, evenI - tr)
    }

    public func forward(_ x: [Double]) -> [Complex] {
        precondition(x.count == count, "real FFT plan for \(count) points got \(x.count)")
        var re = [Double](repeating: 0, count: count / 2 + 1)
        var im = re
        x.withUnsafeBufferPointer { xp in
            re.withUnsafeMutableBufferPointer { r in
                im.withUnsafeMutableBufferPointer { i in
                    forward(xp.baseAddress!, re: r.baseAddress!, im: i.baseAddress!)
                }
            }
        }
        return zip(re, im).map { Complex($0, $1) }
    }
}

/// The 2-D DFT of a real grid (rows × columns, row-major). Returns the full complex grid, row-major.
public func fft2D(_ grid: [Double], rows: Int, columns: Int) -> [Complex] { fftGrid(grid, shape: [rows, columns]) }

/// The DFT of a real grid of any dimension (`shape`, row-major: the last axis varies fastest): every line along
/// the last axis transformed, then along each axis before it. Returns the full complex grid, row-major.
public func fftGrid(_ grid: [Double], shape: [Int]) -> [Complex] {
    precondition(grid.count == shape.reduce(1, *), "grid does not have the shape's number of values")
    var re = grid
    var im = [Double](repeating: 0, count: grid.count)
    for axis in shape.indices.reversed() {
        let n = shape[axis]
        let stride = shape[(axis + 1)...].reduce(1, *)
        let plan = FFTPlan(count: n)
        var lineRe = [Double](repeating: 0, count: n)
        var lineIm = lineRe
        for outer in 0..<(grid.count / (n * stride)) {
            for inner in 0..<stride {
                let base = outer * n * stride + inner
                for j in 0..<n {
                    lineRe[j] = re[base + j * stride]
                    lineIm[j] = im[base + j * stride]
                }
                lineRe.withUnsafeMutableBufferPointer { r in
                    lineIm.withUnsafeMutableBufferPointer { i in plan.forward(re: r.baseAddress!, im: i.baseAddress!) }
                }
                for j in 0..<n {
                    re[base + j * stride] = lineRe[j]
                    im[base + j * stride] = lineIm[j]
                }
            }
        }
    }
    return zip(re, im).map { Complex($0, $1) }
}
