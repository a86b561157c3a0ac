import Foundation

/// The DFT of n real samples, returning the n/2 + 1 non-redundant bins (X_{n−k} = conj X_k).
///
/// Even n: the samples are packed as z_j = x_{2j} + i·x_{2j+1}, one complex FFT of n/2 points, then
/// X_k = (Z_k + conj Z_{n/2−k})/2 − (i/2)·e^{−2πik/n}(Z_k − conj Z_{n/2−k}). Odd n: one complex FFT of n points.
public final class RealFFTPlan: @unchecked Sendable {
    public let count: Int
    private let half: FFTPlan?
    private let full: FFTPlan?
    private let twiddles: [Complex]

    public init(count: Int) {
        precondition(count >= 1, "an FFT needs at least one point")
        self.count = count
        if count % 2 == 0 {
            half = FFTPlan(count: count / 2)
            full = nil
            twiddles = (0...(count / 2)).map { unitRoot(index: -$0, period: count) }
        } else {
            half = nil
            full = FFTPlan(count: count)
            twiddles = []
        }
    }

    public func forward(_ x: [Double]) -> [Complex] {
        precondition(x.count == count, "real FFT plan for \(count) points got \(x.count)")
        guard let half else { return Array(full!.forward(x.map { Complex($0) }).prefix(count / 2 + 1)) }
        let h = count / 2
        var re = (0..<h).map { x[2 * $0] }, im = (0..<h).map { x[2 * $0 + 1] }
        re.withUnsafeMutableBufferPointer { r in
            im.withUnsafeMutableBufferPointer { i in half.forward(re: r.baseAddress!, im: i.baseAddress!) }
        }
        return (0...h).map { k in
            let z = Complex(re[k % h], im[k % h])
            let zc = Complex(re[(h - k) % h], -im[(h - k) % h])
            let even = 0.5 * (z + zc), odd = 0.5 * (z - zc)
            // X_k = even − i·w_k·odd
            let t = twiddles[k] * odd
            return Complex(even.re + t.im, even.im - t.re)
        }
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
