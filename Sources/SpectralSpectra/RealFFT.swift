import Foundation
import SpectralKernels

/// The DFT of n real samples, returning the n/2 + 1 non-redundant bins (X_{n−k} = conj X_k).
///
/// Even n: the samples are packed as z_j = x_{2j} + i·x_{2j+1}, one complex FFT of n/2 points, then
/// X_k = (Z_k + conj Z_{n/2−k})/2 − (i/2)·e^{−2πik/n}(Z_k − conj Z_{n/2−k}). Odd n: one complex FFT of n points.
public final class RealFFTPlan: @unchecked Sendable {
    public let count: Int
    private let half: FFTPlan?
    private let full: FFTPlan?
    private let twiddleRe: AlignedBuffer<Double>, twiddleIm: AlignedBuffer<Double>
    private let workRe: AlignedBuffer<Double>, workIm: AlignedBuffer<Double>

    public init(count: Int) {
        precondition(count >= 1, "an FFT needs at least one point")
        self.count = count
        let h = count / 2
        if count % 2 == 0 {
            half = FFTPlan(count: h)
            full = nil
            twiddleRe = AlignedBuffer(count: h + 1)
            twiddleIm = AlignedBuffer(count: h + 1)
            for k in 0...h {
                let w = unitRoot(index: -k, period: count)
                twiddleRe[k] = w.re
                twiddleIm[k] = w.im
            }
        } else {
            half = nil
            full = FFTPlan(count: count)
            twiddleRe = AlignedBuffer(count: 0)
            twiddleIm = AlignedBuffer(count: 0)
        }
        workRe = AlignedBuffer(count: max(1, count % 2 == 0 ? h : count))
        workIm = AlignedBuffer(count: max(1, count % 2 == 0 ? h : count))
    }

    /// Writes the n/2 + 1 bins of the DFT of `x` (n reals) to `re` and `im`. Uses the plan's scratch: one call at
    /// a time per plan.
    public func forward(_ x: UnsafePointer<Double>, re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>)
    {
        let (zr, zi) = (workRe.pointer, workIm.pointer)
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
        forEachLaneGroup(
            count: h,
            vector: { j in
                let (even, odd) = Double4.deinterleaved(x + 2 * j)
                even.store(zr + j)
                odd.store(zi + j)
            },
            scalar: { j in
                zr[j] = x[2 * j]
                zi[j] = x[2 * j + 1]
            })
        half.forward(re: zr, im: zi)
        // Bins 0 and h pair Z_0 with itself; bins k ∈ [1, h) pair Z_k with Z_{h−k}, four k at a time with the
        // partners loaded as a vector and reversed.
        combineBins(Double.self, k: 0, a: 0, b: 0, re: re, im: im)
        combineBins(Double.self, k: h, a: 0, b: 0, re: re, im: im)
        forEachLaneGroup(
            count: h - 1,
            vector: { i in
                combineBins(Double4.self, k: 1 + i, a: 1 + i, b: h - 1 - i - 3, re: re, im: im)
            },
            scalar: { i in
                combineBins(Double.self, k: 1 + i, a: 1 + i, b: h - 1 - i, re: re, im: im)
            })
    }

    /// X_k = even − i·w_k·odd with even = (Z_a + conj Z_b)/2 and odd = (Z_a − conj Z_b)/2, for the V.width bins from
    /// k: Z_a is read forwards from a, Z_b backwards from b + width − 1.
    @inline(__always)
    private func combineBins<V: FFTLane>(
        _: V.Type, k: Int, a: Int, b: Int, re: UnsafeMutablePointer<Double>,
        im: UnsafeMutablePointer<Double>
    ) {
        let (zr, zi) = (workRe.pointer, workIm.pointer)
        let ar = V.load(zr + a)
        let ai = V.load(zi + a)
        let br = V.load(zr + b).reversed
        let bi = V.load(zi + b).reversed
        let evenR = 0.5 * (ar + br)
        let evenI = 0.5 * (ai - bi)
        let oddR = 0.5 * (ar - br)
        let oddI = 0.5 * (ai + bi)
        let wr = V.load(twiddleRe.pointer + k)
        let wi = V.load(twiddleIm.pointer + k)
        let tr = wr * oddR - wi * oddI
        let ti = wr * oddI + wi * oddR
        (evenR + ti).store(re + k)
        (evenI - tr).store(im + k)
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
