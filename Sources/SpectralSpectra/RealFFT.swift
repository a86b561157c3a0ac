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
    private let twiddleRe: [Double], twiddleIm: [Double]
    private let workRe: AlignedBuffer<Double>, workIm: AlignedBuffer<Double>

    public init(count: Int) {
        precondition(count >= 1, "an FFT needs at least one point")
        self.count = count
        let h = count / 2
        if count % 2 == 0 {
            half = FFTPlan(count: h)
            full = nil
            let w = (0...h).map { unitRoot(index: -$0, period: count) }
            twiddleRe = w.map(\.re); twiddleIm = w.map(\.im)
        } else {
            half = nil
            full = FFTPlan(count: count)
            twiddleRe = []; twiddleIm = []
        }
        workRe = AlignedBuffer(count: max(1, count % 2 == 0 ? h : count))
        workIm = AlignedBuffer(count: max(1, count % 2 == 0 ? h : count))
    }

    /// Writes the n/2 + 1 bins of the DFT of `x` (n reals) to `re` and `im`. Uses the plan's scratch: one call at
    /// a time per plan.
    public func forward(_ x: UnsafePointer<Double>, re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>) {
        let (zr, zi) = (workRe.pointer, workIm.pointer)
        guard let half else {
            for j in 0..<count { zr[j] = x[j]; zi[j] = 0 }
            full!.forward(re: zr, im: zi)
            re.update(from: zr, count: count / 2 + 1)
            im.update(from: zi, count: count / 2 + 1)
            return
        }
        let h = count / 2
        for j in 0..<h { zr[j] = x[2 * j]; zi[j] = x[2 * j + 1] }
        half.forward(re: zr, im: zi)
        for k in 0...h {
            let a = k % h, b = (h - k) % h
            // even = (Z_k + conj Z_{h−k})/2, odd = (Z_k − conj Z_{h−k})/2, X_k = even − i·w_k·odd.
            let evenR = 0.5 * (zr[a] + zr[b]), evenI = 0.5 * (zi[a] - zi[b])
            let oddR = 0.5 * (zr[a] - zr[b]), oddI = 0.5 * (zi[a] + zi[b])
            let tr = twiddleRe[k] * oddR - twiddleIm[k] * oddI, ti = twiddleRe[k] * oddI + twiddleIm[k] * oddR
            re[k] = evenR + ti
            im[k] = evenI - tr
        }
    }

    public func forward(_ x: [Double]) -> [Complex] {
        precondition(x.count == count, "real FFT plan for \(count) points got \(x.count)")
        var re = [Double](repeating: 0, count: count / 2 + 1), im = re
        x.withUnsafeBufferPointer { xp in
            re.withUnsafeMutableBufferPointer { r in
                im.withUnsafeMutableBufferPointer { i in forward(xp.baseAddress!, re: r.baseAddress!, im: i.baseAddress!) }
            }
        }
        return zip(re, im).map { Complex($0, $1) }
    }
}

/// The 2-D DFT of a real grid (rows × columns, row-major): every row transformed, then every column.
/// Returns the full complex grid, row-major.
public func fft2D(_ grid: [Double], rows: Int, columns: Int) -> [Complex] {
    precondition(grid.count == rows * columns, "grid does not have rows × columns values")
    let rowPlan = FFTPlan(count: columns), columnPlan = FFTPlan(count: rows)
    var re = grid, im = [Double](repeating: 0, count: grid.count)
    re.withUnsafeMutableBufferPointer { r in
        im.withUnsafeMutableBufferPointer { i in
            for y in 0..<rows { rowPlan.forward(re: r.baseAddress! + y * columns, im: i.baseAddress! + y * columns) }
        }
    }
    var colRe = [Double](repeating: 0, count: rows), colIm = colRe
    for x in 0..<columns {
        for y in 0..<rows { colRe[y] = re[y * columns + x]; colIm[y] = im[y * columns + x] }
        colRe.withUnsafeMutableBufferPointer { r in
            colIm.withUnsafeMutableBufferPointer { i in columnPlan.forward(re: r.baseAddress!, im: i.baseAddress!) }
        }
        for y in 0..<rows { re[y * columns + x] = colRe[y]; im[y * columns + x] = colIm[y] }
    }
    return zip(re, im).map { Complex($0, $1) }
}
