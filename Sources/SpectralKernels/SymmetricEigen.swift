import Foundation
import SpectralCore

/// All eigenvalues and eigenvectors of a real symmetric matrix A (Float64), A = V Λ Vᵀ.
///
/// Contract: ‖AV − VΛ‖ ≤ c·n·u·‖A‖ and ‖VᵀV − I‖ ≤ c·n·u with u = 2⁻⁵³ and a small c (backward stable: every step
/// is an orthogonal transformation, and the divide-and-conquer vectors use the Gu–Eisenstat correction, so they are
/// orthogonal even when eigenvalues cluster). Eigenvalues ascend; equal ones come in a fixed order, so the result
/// is the same bits for any thread count.
///
/// Three stages, as LAPACK's dsyevd:
/// 1. `tridiagonalize`: Householder reflectors H_c, A = Q T Qᵀ, Q = H₀H₁⋯H_{n−2}, blocked as dlatrd: a panel of
///    NB columns is reduced with matrix-vector products, then the trailing matrix gets the rank-2·NB update
///    A₂₂ −= V Wᵀ + W Vᵀ through `GEMM64` (only its lower half, in row blocks).
/// 2. `TridiagonalEigen`: Cuppen's divide and conquer with deflation (eigenvectors of T).
/// 3. `applyReflectors`: V = Q Z, the reflectors applied NB at a time in compact WY form (I − Y T Yᵀ), by GEMM.
///
/// Storage: A row-major n × n; only its upper triangle (i ≤ j) is read. Internally that triangle is the lower
/// triangle of the same memory read column-major, M(i, j) = a[j·n + i] with i ≥ j, so every column LAPACK's lower
/// algorithms walk is contiguous here.
public struct SymmetricEigen: Sendable {
    public let n: Int
    /// Ascending.
    public let values: [Double]
    /// n × n row-major: column j, vectors[i·n + j] for i in 0..<n, is the unit eigenvector of values[j].
    public let vectors: [Double]
    /// Wall-clock seconds of the three stages (for `spectral-bench eigh`; not part of the result).
    public let stageSeconds: (tridiagonalize: Double, divideAndConquer: Double, applyReflectors: Double)

    static let panel = 32
    /// Reflectors per block of the back-transformation: X is read and written once per block, so wide blocks.
    static let backBlock = 128

    public init(_ matrix: [Double], n: Int, pool: ThreadPool) throws {
        try Self.check(matrix, n: n)
        self.n = n
        let gemm = GEMM64(pool: pool)
        let m = AlignedBuffer<Double>(matrix)
        var reduction = Tridiagonal(n: n)
        let clock = ContinuousClock()
        let t0 = clock.now
        tridiagonalize(m.pointer, n: n, into: &reduction, gemm: gemm)
        let t1 = clock.now
        var solver = TridiagonalEigen(diagonal: reduction.diagonal, offDiagonal: reduction.offDiagonal, pool: pool)
        solver.solve(gemm: gemm)
        let t2 = clock.now
        applyReflectors(m.pointer, tau: reduction.tau, n: n, to: solver.vectors, gemm: gemm)
        let seconds = { (d: Duration) in Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        stageSeconds = (seconds(t1 - t0), seconds(t2 - t1), seconds(clock.now - t2))
        values = solver.values
        vectors = solver.vectors.array
    }
}

extension SymmetricEigen {
    /// The eigenvalues of A alone, ascending: the same reduction to T, then T's eigenvalues by implicit QL with
    /// Wilkinson shifts and no vectors, O(n²) after the O(n³) reduction (the vectors' divide and conquer and
    /// back-transformation are skipped). Contract: |λᵢ − λᵢ(A)| ≤ c·n·u·‖A‖, backward stable as the full solver; the
    /// values agree with `SymmetricEigen(…).values` to that bound, not bit for bit (another algorithm for T).
    public static func values(of matrix: [Double], n: Int, pool: ThreadPool) throws -> [Double] {
        try check(matrix, n: n)
        let m = AlignedBuffer<Double>(matrix)
        var reduction = Tridiagonal(n: n)
        tridiagonalize(m.pointer, n: n, into: &reduction, gemm: GEMM64(pool: pool))
        var solver = TridiagonalEigen(
            diagonal: reduction.diagonal, offDiagonal: reduction.offDiagonal, pool: pool, withVectors: false)
        solver.solveValues()
        return solver.values
    }

    static func check(_ matrix: [Double], n: Int) throws {
        precondition(matrix.count == n * n, "the matrix does not hold n × n values")
        if let bad = matrix.firstIndex(where: { !$0.isFinite }) {
            throw SpectralError.badInput("the matrix has a non-finite entry at row \(bad / n), column \(bad % n)")
        }
    }
}

/// T (diagonal d, off-diagonal e) and the reflectors' scales τ of `tridiagonalize`.
struct Tridiagonal {
    var diagonal: [Double], offDiagonal: [Double], tau: [Double]
    init(n: Int) {
        diagonal = [Double](repeating: 0, count: n)
        offDiagonal = [Double](repeating: 0, count: max(0, n - 1))
        tau = [Double](repeating: 0, count: max(0, n - 1))
    }
}

/// Reduces M (column-major lower triangle, leading dimension n) to tridiagonal form in place: on return column c
/// holds reflector c's tail below its subdiagonal (v[c+1] = 1 is implicit), as LAPACK's dsytrd ('L').
func tridiagonalize(_ m: UnsafeMutablePointer<Double>, n: Int, into t: inout Tridiagonal, gemm: GEMM64) {
    let nb = SymmetricEigen.panel
    let w = AlignedBuffer<Double>(count: n * nb)
    let symmetric = SymmetricProduct(capacity: n, pool: gemm.pool)
    var j0 = 0
    while j0 < n {
        let width = min(nb, n - j0)
        reducePanel(m, n: n, first: j0, width: width, w: w.pointer, symmetric: symmetric, into: &t)
        let s = j0 + width
        if s < n { updateTrailing(m, n: n, first: j0, width: width, w: w.pointer, gemm: gemm) }
        for p in 0..<width where j0 + p + 1 < n { m[(j0 + p) * n + j0 + p + 1] = t.offDiagonal[j0 + p] }
        j0 = s
    }
}

/// One dlatrd panel: columns first ..< first + width reduced, W (column-major, n − first rows per column) holding
/// w_p = τ_p(A₂₂v_p − V(Wᵀv_p) − W(Vᵀv_p)) − ½τ_p²(…)v_p for the trailing update. While the panel is active the
/// subdiagonal entry of each reduced column holds the reflector's implicit 1.
private func reducePanel(
    _ m: UnsafeMutablePointer<Double>, n: Int, first j0: Int, width: Int,
    w: UnsafeMutablePointer<Double>, symmetric: SymmetricProduct, into t: inout Tridiagonal
) {
    let ldw = n - j0
    for i in 0..<width {
        let c = j0 + i
        let column = m + c * n
        // Column c of A as the panel's earlier reflectors left it: A[c:, c] −= V[c:, :i] W[c, :i]ᵀ + W[c:, :i] V[c, :i]ᵀ.
        for p in 0..<i {
            let v = m + (j0 + p) * n
            let wp = w + p * ldw - j0
            let (vc, wc) = (v[c], wp[c])
            for r in c..<n { column[r] -= v[r] * wc + wp[r] * vc }
        }
        t.diagonal[c] = column[c]
        let wi = w + i * ldw - j0
        for r in j0..<n { wi[r] = 0 }
        guard c + 1 < n else { continue }
        let (beta, tau) = householder(column + c + 1, count: n - c - 1)
        (t.offDiagonal[c], t.tau[c]) = (beta, tau)
        column[c + 1] = 1
        guard tau != 0 else { continue }
        let v = UnsafePointer(column + c + 1)
        let length = n - c - 1
        let y = wi + c + 1
        symmetric.multiply(UnsafePointer(m + (c + 1) * n + c + 1), ld: n, size: length, x: v, into: y)
        // Corrections for the panel's earlier reflectors, which the trailing matrix has not seen yet.
        for p in 0..<i {
            let vp = UnsafePointer(m + (j0 + p) * n + c + 1)
            let wp = UnsafePointer(w + p * ldw - j0 + c + 1)
            var (wv, vv) = (0.0, 0.0)
            for r in 0..<length {
                wv += wp[r] * v[r]
                vv += vp[r] * v[r]
            }
            for r in 0..<length { y[r] -= vp[r] * wv + wp[r] * vv }
        }
        var dot = 0.0
        for r in 0..<length {
            y[r] *= tau
            dot += y[r] * v[r]
        }
        let alpha = -0.5 * tau * dot
        for r in 0..<length { y[r] += alpha * v[r] }
    }
}

/// A₂₂ −= V Wᵀ + W Vᵀ on the lower triangle of the trailing matrix (rows and columns from first + width), in row
/// blocks. Read row-major that triangle is the upper one of Cᵀ, and Cᵀ −= W Vᵀ + V Wᵀ.
private func updateTrailing(
    _ m: UnsafeMutablePointer<Double>, n: Int, first j0: Int, width: Int,
    w: UnsafeMutablePointer<Double>, gemm: GEMM64
) {
    let s = j0 + width
    let size = n - s
    let ldw = n - j0
    let v = MatrixView64(m + j0 * n + s, rows: size, cols: width, rowStride: 1, colStride: n)
    let wv = MatrixView64(w + (s - j0), rows: size, cols: width, rowStride: 1, colStride: ldw)
    let block = 192
    for a0 in stride(from: 0, to: size, by: block) {
        let rows = min(block, size - a0)
        let c = m + (s + a0) * n + s + a0
        gemm.multiply(wv.rows(a0, rows), v.rows(a0, size - a0).transposed, into: c, ldc: n, .subtract)
        gemm.multiply(v.rows(a0, rows), wv.rows(a0, size - a0).transposed, into: c, ldc: n, .subtract)
    }
}

/// dlarfg: for x = (α, x₂) (count values), H = I − τvvᵀ with v = (1, v₂) maps x to (β, 0, …, 0). Overwrites x₂ with
/// v₂ and returns (β, τ); τ = 0 (H = I) when x₂ = 0.
func householder(_ x: UnsafeMutablePointer<Double>, count: Int) -> (beta: Double, tau: Double) {
    var norm2 = 0.0
    var scale = 0.0
    for r in 1..<max(1, count) { scale = max(scale, abs(x[r])) }
    if scale == 0 { return (x[0], 0) }
    for r in 1..<count {
        let q = x[r] / scale
        norm2 += q * q
    }
    let alpha = x[0]
    let beta = -(alpha >= 0 ? 1.0 : -1.0) * hypot(alpha, scale * norm2.squareRoot())
    let tau = (beta - alpha) / beta
    let inverse = 1 / (alpha - beta)
    for r in 1..<count { x[r] *= inverse }
    return (beta, tau)
}

/// y = S x for S symmetric given by its lower triangle, column-major (S(i, j) = s[j·ld + i], i ≥ j): each
/// column is read once, for a dot product (the row above the diagonal) and an update (the column below it).
/// The columns are cut into `symmetricProductChunks` pieces of equal area, each adding into its own partial y
/// (threads take pieces); the partials are summed in piece order, so the bits do not depend on the thread count.
struct SymmetricProduct {
    static let chunks = 4
    let pool: ThreadPool
    let partial: AlignedBuffer<Double>
    let capacity: Int

    init(capacity: Int, pool: ThreadPool) {
        (self.capacity, self.pool) = (capacity, pool)
        partial = AlignedBuffer(count: Self.chunks * max(1, capacity))
    }

    func multiply(
        _ s: UnsafePointer<Double>, ld: Int, size: Int, x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>
    ) {
        // Column j carries size − j entries; piece p starts where the remaining area is (1 − p/chunks) of the total.
        let bounds = (0...Self.chunks).map { p -> Int in
            let fraction = 1 - Double(p) / Double(Self.chunks)
            return p == Self.chunks ? size : size - Int((fraction.squareRoot() * Double(size)).rounded())
        }
        let partial = self.partial.pointer
        let capacity = self.capacity
        pool.run(tasks: Self.chunks) { piece, _ in
            let out = partial + piece * capacity
            out.update(repeating: 0, count: size)
            for j in bounds[piece]..<bounds[piece + 1] {
                lowerColumnProduct(s + j * ld, j, size: size, x: x, into: out)
            }
        }
        y.update(from: partial, count: size)
        for piece in 1..<Self.chunks {
            let other = partial + piece * capacity
            for i in 0..<size { y[i] += other[i] }
        }
    }
}

/// Column j of the lower triangle: y[i] += S(i, j)·x[j] below the diagonal, y[j] += S(j, j)·x[j] + Σᵢ S(i, j)·x[i].
@inline(__always)
private func lowerColumnProduct(
    _ column: UnsafePointer<Double>, _ j: Int, size: Int, x: UnsafePointer<Double>,
    into y: UnsafeMutablePointer<Double>
) {
    let xj = x[j]
    var dot = SIMD4<Double>()
    var i = j + 1
    let xv = SIMD4<Double>(repeating: xj)
    while i + 4 <= size {
        let a = UnsafeRawPointer(column + i).loadUnaligned(as: SIMD4<Double>.self)
        let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD4<Double>.self)
        UnsafeMutableRawPointer(y + i).storeBytes(of: yv.addingProduct(a, xv), as: SIMD4<Double>.self)
        dot = dot.addingProduct(a, UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Double>.self))
        i += 4
    }
    var tail = dot.sum()
    while i < size {
        y[i] += column[i] * xj
        tail += column[i] * x[i]
        i += 1
    }
    y[j] += column[j] * xj + tail
}

/// X ← Q X with Q = H₀H₁⋯H_{n−2} from `tridiagonalize` (reflector c in column c of M below its subdiagonal),
/// NB reflectors at a time from the last block: H_{b}⋯H_{b+nb−1} = I − Y T Yᵀ (dlarft, forward, column-wise),
/// X[b+1:, :] −= Y (T (Yᵀ X[b+1:, :])).
func applyReflectors(_ m: UnsafePointer<Double>, tau: [Double], n: Int, to x: AlignedBuffer<Double>, gemm: GEMM64) {
    let reflectors = n - 1
    let nb = SymmetricEigen.backBlock
    guard reflectors > 0 else { return }
    let y = AlignedBuffer<Double>(count: n * nb)
    let t = AlignedBuffer<Double>(count: nb * nb)
    let w1 = AlignedBuffer<Double>(count: nb * n)
    let w2 = AlignedBuffer<Double>(count: nb * n)
    for b in stride(from: (reflectors - 1) / nb * nb, through: 0, by: -nb) {
        let width = min(nb, reflectors - b)
        let rows = n - b - 1
        // Y (rows × width, row-major): reflector b + p starts at row b + p + 1 with its implicit 1.
        for r in 0..<rows {
            for p in 0..<width {
                let global = b + 1 + r
                y[r * width + p] = global < b + p + 1 ? 0 : global == b + p + 1 ? 1 : m[(b + p) * n + global]
            }
        }
        blockReflectorFactor(
            y.pointer, rows: rows, width: width, tau: Array(tau[b..<(b + width)]), into: t.pointer,
            gemm: gemm)
        let yView = MatrixView64.rowMajor(y.pointer, rows: rows, cols: width)
        let xRows = MatrixView64.rowMajor(x.pointer + (b + 1) * n, rows: rows, cols: n)
        gemm.multiply(yView.transposed, xRows, into: w1.pointer, ldc: n)
        gemm.multiply(
            .rowMajor(t.pointer, rows: width, cols: width), .rowMajor(w1.pointer, rows: width, cols: n),
            into: w2.pointer, ldc: n)
        gemm.multiply(
            yView, .rowMajor(w2.pointer, rows: width, cols: n), into: x.pointer + (b + 1) * n, ldc: n, .subtract)
    }
}

/// T (width × width, row-major, upper triangular) with H₀⋯H_{w−1} = I − Y T Yᵀ: T(p, p) = τ_p and
/// T(0:p, p) = −τ_p T(0:p, 0:p) (YᵀY)(0:p, p), with the Gram matrix YᵀY from one GEMM.
private func blockReflectorFactor(
    _ y: UnsafePointer<Double>, rows: Int, width: Int, tau: [Double],
    into t: UnsafeMutablePointer<Double>, gemm: GEMM64
) {
    let gram = AlignedBuffer<Double>(count: width * width)
    let view = MatrixView64.rowMajor(y, rows: rows, cols: width)
    gemm.multiply(view.transposed, view, into: gram.pointer, ldc: width)
    t.update(repeating: 0, count: width * width)
    for p in 0..<width {
        t[p * width + p] = tau[p]
        for q in 0..<p {
            var s = 0.0
            for l in q..<p { s += t[q * width + l] * gram[l * width + p] }
            t[q * width + p] = -tau[p] * s
        }
    }
}

extension StridedMatrix {
    /// Rows first ..< first + count.
    func rows(_ first: Int, _ count: Int) -> Self {
        Self(base + first * rowStride, rows: count, cols: cols, rowStride: rowStride, colStride: colStride)
    }
}
