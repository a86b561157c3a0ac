import Foundation

/// Eigenvalues and eigenvectors of a symmetric tridiagonal T (diagonal d, off-diagonal e) by Cuppen's divide and
/// conquer, as LAPACK's dstedc/dlaed0–4 (Gu & Eisenstat 1995 for the vectors):
///
///     T = ⎡T₁  βeₘe₁ᵀ⎤ = ⎡T₁ − |β|eₘeₘᵀ          ⎤ + |β| u uᵀ,   u = (eₘ; sign β · e₁)
///         ⎣βe₁eₘᵀ  T₂⎦   ⎣         T₂ − |β|e₁e₁ᵀ⎦
///
/// Each half is solved recursively (Tᵢ′ = QᵢDᵢQᵢᵀ; below `leaf` rows by implicit QL), so T = Q(D + ρzzᵀ)Qᵀ with
/// Q = diag(Q₁, Q₂), z = Qᵀu/‖Qᵀu‖, ρ = 2|β|. The rank-one problem deflates components with ρ|zᵢ| ≤ tol and pairs
/// of nearly equal dᵢ (a plane rotation zeroes one z); the k others solve the secular equation
/// f(λ) = 1 + ρ Σ zᵢ²/(dᵢ − λ) = 0, one root per interval (dⱼ, dⱼ₊₁), and ẑ recomputed from the roots (Löwner)
/// makes the vectors (ẑᵢ/(dᵢ − λⱼ))ᵢ orthogonal to working precision. The product Q·U is two GEMMs, one per half
/// of Q's rows, over only the columns nonzero there.
struct TridiagonalEigen {
    let n: Int
    fileprivate(set) var values: [Double]
    private var off: [Double]
    /// n × n row-major: column j is the eigenvector of values[j] (empty when only the values are wanted).
    let vectors: AlignedBuffer<Double>
    let withVectors: Bool
    let pool: ThreadPool
    static let leaf = 24

    init(diagonal: [Double], offDiagonal: [Double], pool: ThreadPool, withVectors: Bool = true) {
        n = diagonal.count
        values = diagonal
        off = offDiagonal + [0]
        self.withVectors = withVectors
        vectors = AlignedBuffer(count: withVectors ? n * n : 0)
        self.pool = pool
    }

    /// The eigenpairs by divide and conquer.
    mutating func solve(gemm: GEMM64) {
        scaled { $0.divide(0, $0.n, gemm: gemm) }
    }

    /// The eigenvalues alone (built with `withVectors: false`): implicit QL on the whole of T, O(n²) in all.
    mutating func solveValues() {
        precondition(!withVectors, "solveValues is for a solver built without vectors")
        scaled { $0.implicitQL(0, $0.n) }
    }

    /// Scales T to norm ~1 so that the tolerances are relative, runs `body`, and undoes the scaling.
    private mutating func scaled(_ body: (inout TridiagonalEigen) -> Void) {
        guard n > 0 else { return }
        let scale = max(values.map(abs).max() ?? 0, off.map(abs).max() ?? 0)
        if scale == 0 {
            if withVectors { for i in 0..<n { vectors[i * n + i] = 1 } }
            return
        }
        for i in 0..<n {
            values[i] /= scale
            off[i] /= scale
        }
        body(&self)
        for i in 0..<n { values[i] *= scale }
    }

    private mutating func divide(_ lo: Int, _ hi: Int, gemm: GEMM64) {
        if hi - lo <= Self.leaf {
            implicitQL(lo, hi)
            return
        }
        let mid = lo + (hi - lo) / 2
        let beta = off[mid - 1]
        values[mid - 1] -= abs(beta)
        values[mid] -= abs(beta)
        off[mid - 1] = 0
        divide(lo, mid, gemm: gemm)
        divide(mid, hi, gemm: gemm)
        var merge = RankOneMerge(self, lo: lo, mid: mid, hi: hi, beta: beta)
        merge.deflate()
        merge.solveSecular(pool: pool)
        merge.writeBack(into: &self, gemm: gemm)
    }

    /// Implicit QL with Wilkinson shifts on rows lo ..< hi, the block of `vectors` starting as the identity; then
    /// the eigenpairs sorted ascending.
    private mutating func implicitQL(_ lo: Int, _ hi: Int) {
        let size = hi - lo
        if withVectors { for i in lo..<hi { vectors[i * n + i] = 1 } }
        off[hi - 1] = 0
        for l in lo..<hi {
            var iterations = 0
            while true {
                var m = l
                while m < hi - 1 && abs(off[m]) > Double.ulpOfOne * (abs(values[m]) + abs(values[m + 1])) { m += 1 }
                if m == l || iterations == 60 { break }
                iterations += 1
                qlSweep(l, m, lo: lo, hi: hi)
            }
        }
        sortBlock(lo, size)
    }

    /// One implicit QL step on the unreduced block l ... m (a bulge chased up from row m).
    private mutating func qlSweep(_ l: Int, _ m: Int, lo: Int, hi: Int) {
        var g = (values[l + 1] - values[l]) / (2 * off[l])
        var r = hypot(g, 1)
        g = values[m] - values[l] + off[l] / (g + (g >= 0 ? r : -r))
        var (s, c, p) = (1.0, 1.0, 0.0)
        var i = m - 1
        while i >= l {
            let f = s * off[i]
            let b = c * off[i]
            r = hypot(f, g)
            off[i + 1] = r
            if r == 0 {
                values[i + 1] -= p
                off[m] = 0
                return
            }
            s = f / r
            c = g / r
            g = values[i + 1] - p
            r = (values[i] - g) * s + 2 * c * b
            p = s * r
            values[i + 1] = g + p
            g = c * r - b
            if withVectors {
                for k in lo..<hi {
                    let (zi, zi1) = (vectors[k * n + i], vectors[k * n + i + 1])
                    vectors[k * n + i + 1] = s * zi + c * zi1
                    vectors[k * n + i] = c * zi - s * zi1
                }
            }
            i -= 1
        }
        values[l] -= p
        off[l] = g
        off[m] = 0
    }

    /// Sorts the eigenpairs of the block lo ..< lo + size ascending (ties by position).
    private mutating func sortBlock(_ lo: Int, _ size: Int) {
        let order = (0..<size).sorted { (values[lo + $0], $0) < (values[lo + $1], $1) }
        let sortedValues = order.map { values[lo + $0] }
        guard withVectors else {
            for j in 0..<size { values[lo + j] = sortedValues[j] }
            return
        }
        var block = [Double](repeating: 0, count: size * size)
        for r in 0..<size { for (j, o) in order.enumerated() { block[r * size + j] = vectors[(lo + r) * n + lo + o] } }
        for r in 0..<size { for j in 0..<size { vectors[(lo + r) * n + lo + j] = block[r * size + j] } }
        for j in 0..<size { values[lo + j] = sortedValues[j] }
    }

    fileprivate func block(_ row: Int, _ col: Int) -> Double { vectors[row * n + col] }
}

/// The rank-one problem D + ρzzᵀ of one merge, its deflation, its secular roots, and the new vectors.
private struct RankOneMerge {
    /// Where each column of Q has nonzeros: rows of the first half, of the second, or both (after a rotation).
    enum Support: Int {
        case top = 0
        case both = 1
        case bottom = 2
    }

    let lo: Int, size: Int, top: Int
    var rho: Double
    var d: [Double], z: [Double]
    /// Q's columns, column-major (column i at i·size), rotated by the deflation.
    var q: [Double]
    var support: [Support]
    /// Deflated columns with their eigenvalues; kept (non-deflated) columns in increasing d.
    var deflated: [(column: Int, value: Double)] = []
    var kept: [Int] = []
    /// Per root j: the pole it is measured from and the offset, λⱼ = d[kept[origin]] + τ.
    var origins: [Int] = [], offsets: [Double] = []

    init(_ t: TridiagonalEigen, lo: Int, mid: Int, hi: Int, beta: Double) {
        (self.lo, size, top) = (lo, hi - lo, mid - lo)
        d = Array(t.values[lo..<hi])
        let sign: Double = beta < 0 ? -1 : 1
        z = (0..<(hi - lo)).map { i in
            (i < mid - lo ? t.block(mid - 1, lo + i) : sign * t.block(mid, lo + i)) / 2.0.squareRoot()
        }
        rho = 2 * abs(beta)
        q = [Double](repeating: 0, count: size * size)
        for i in 0..<size {
            let rows = i < top ? lo..<mid : mid..<hi
            for r in rows { q[i * size + r - lo] = t.block(r, lo + i) }
        }
        let half = mid - lo
        support = (0..<(hi - lo)).map { $0 < half ? .top : .bottom }
    }

    /// Deflation (dlaed2): a tiny ρ|zᵢ|, or two poles close enough that rotating their columns to zero one z
    /// changes the matrix by at most tol.
    mutating func deflate() {
        let tolerance = 8 * Double.ulpOfOne * max(d.map(abs).max() ?? 0, rho)
        let order = (0..<size).sorted { (d[$0], $0) < (d[$1], $1) }
        var previous: Int?
        for i in order {
            if rho * abs(z[i]) <= tolerance {
                deflated.append((i, d[i]))
                continue
            }
            guard let j = previous else {
                previous = i
                continue
            }
            let r = hypot(z[i], z[j])
            let (c, s) = (z[i] / r, z[j] / r)
            if abs((d[i] - d[j]) * c * s) <= tolerance {
                rotate(j, i, c: c, s: s)
                let (dj, di) = (d[j], d[i])
                d[j] = dj * c * c + di * s * s
                d[i] = dj * s * s + di * c * c
                (z[i], z[j]) = (r, 0)
                deflated.append((j, d[j]))
            } else {
                kept.append(j)
            }
            previous = i
        }
        if let j = previous { kept.append(j) }
        kept.sort { (d[$0], $0) < (d[$1], $1) }
    }

    /// Columns j, i ← c·q_j − s·q_i, s·q_j + c·q_i.
    private mutating func rotate(_ j: Int, _ i: Int, c: Double, s: Double) {
        for r in 0..<size {
            let (a, b) = (q[j * size + r], q[i * size + r])
            q[j * size + r] = c * a - s * b
            q[i * size + r] = s * a + c * b
        }
        if support[i] != support[j] { (support[i], support[j]) = (.both, .both) }
    }

    /// The k roots of the secular equation, in parallel over roots (each is independent).
    mutating func solveSecular(pool: ThreadPool) {
        let k = kept.count
        let poles = kept.map { d[$0] }
        let weights = kept.map { rho * z[$0] * z[$0] }
        var roots = [(Int, Double)](repeating: (0, 0), count: k)
        let chunk = 64
        roots.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            pool.run(tasks: (k + chunk - 1) / chunk) { task, _ in
                for j in (task * chunk)..<min(k, (task + 1) * chunk) {
                    base[j] = secularRoot(j, poles: poles, weights: weights)
                }
            }
        }
        origins = roots.map(\.0)
        offsets = roots.map(\.1)
    }

    /// dᵢ − λⱼ for kept index i and root j, from the root's own pole (exact when i is that pole).
    func gap(_ i: Int, _ j: Int) -> Double { (d[kept[i]] - d[kept[origins[j]]]) - offsets[j] }

    /// ẑ by Löwner's formula, then the eigenvectors U (k × k) of the kept problem, then Q·U and the deflated
    /// columns written into the block of `t`, all eigenpairs in ascending order.
    func writeBack(into t: inout TridiagonalEigen, gemm: GEMM64) {
        let k = kept.count
        let u = AlignedBuffer<Double>(count: max(1, k * k))
        for i in 0..<k {
            var product = -gap(i, k - 1) / rho
            for j in 0..<i { product *= -gap(i, j) / (d[kept[j]] - d[kept[i]]) }
            for j in i..<(k - 1) { product *= -gap(i, j) / (d[kept[j + 1]] - d[kept[i]]) }
            let zHat = (z[kept[i]] < 0 ? -1.0 : 1.0) * product.squareRoot()
            for j in 0..<k { u[i * k + j] = zHat / gap(i, j) }
        }
        for j in 0..<k {
            var norm = 0.0
            for i in 0..<k { norm += u[i * k + j] * u[i * k + j] }
            let inverse = 1 / norm.squareRoot()
            for i in 0..<k { u[i * k + j] *= inverse }
        }
        let product = multiplyKept(u, gemm: gemm)
        var all: [(value: Double, source: Int)] = deflated.map { ($0.value, -1 - $0.column) }
        for j in 0..<k { all.append((d[kept[origins[j]]] + offsets[j], j)) }
        all.sort { ($0.value, $0.source) < ($1.value, $1.source) }
        let n = t.n
        for (position, entry) in all.enumerated() {
            t.values[lo + position] = entry.value
            for r in 0..<size {
                t.vectors[(lo + r) * n + lo + position] =
                    entry.source >= 0 ? product[r * max(1, k) + entry.source] : q[(-1 - entry.source) * size + r]
            }
        }
    }

    /// Q_K·U as two GEMMs: rows of the first half use only the kept columns with support top or both, rows of the
    /// second half those with both or bottom (the columns are grouped in that order, U's rows with them).
    private func multiplyKept(_ u: AlignedBuffer<Double>, gemm: GEMM64) -> AlignedBuffer<Double> {
        let k = kept.count
        let out = AlignedBuffer<Double>(count: max(1, size * k))
        guard k > 0 else { return out }
        let grouped = (0..<k).sorted { (support[kept[$0]].rawValue, $0) < (support[kept[$1]].rawValue, $1) }
        let qk = AlignedBuffer<Double>(count: size * k)
        let ug = AlignedBuffer<Double>(count: k * k)
        for (p, i) in grouped.enumerated() {
            for r in 0..<size { qk[p * size + r] = q[kept[i] * size + r] }
            for j in 0..<k { ug[p * k + j] = u[i * k + j] }
        }
        let counts = (0..<3).map { s in grouped.filter { support[kept[$0]].rawValue == s }.count }
        let upper = counts[0] + counts[1]
        let lower = counts[1] + counts[2]
        gemm.multiply(
            MatrixView64(qk.pointer, rows: top, cols: upper, rowStride: 1, colStride: size),
            .rowMajor(ug.pointer, rows: upper, cols: k), into: out.pointer, ldc: k)
        gemm.multiply(
            MatrixView64(
                qk.pointer + counts[0] * size + top, rows: size - top, cols: lower, rowStride: 1,
                colStride: size),
            .rowMajor(ug.pointer + counts[0] * k, rows: lower, cols: k), into: out.pointer + top * k, ldc: k)
        return out
    }
}

/// Root j of 1 + Σᵢ wᵢ/(pᵢ − λ) = 0 (poles p ascending, weights w > 0): in (pⱼ, pⱼ₊₁), or (p_last, p_last + Σw)
/// for the last. Returns the nearer pole and the offset from it, by safeguarded steps of the two-pole rational
/// model of dlaed4 (the terms left and right of the interval each replaced by one pole fitted to their value and
/// slope), with bisection whenever a step leaves the bracket.
func secularRoot(_ j: Int, poles: [Double], weights: [Double]) -> (Int, Double) {
    let k = poles.count
    let last = j == k - 1
    var origin = j
    var (low, high): (Double, Double)
    if last {
        (low, high) = (0, weights.reduce(0, +))
    } else {
        let middle = (poles[j + 1] - poles[j]) / 2
        if secular(j, origin: j, tau: middle, poles: poles, weights: weights).f >= 0 {
            (low, high) = (0, middle)
        } else {
            origin = j + 1
            (low, high) = (-middle, 0)
        }
    }
    var tau = (low + high) / 2
    for _ in 0..<200 {
        let e = secular(j, origin: origin, tau: tau, poles: poles, weights: weights)
        if e.f == 0 || abs(e.f) <= 8 * Double.ulpOfOne * e.magnitude { break }
        if e.f < 0 { low = tau } else { high = tau }
        if high - low <= 2 * Double.ulpOfOne * max(abs(low), abs(high)) { break }
        var next = tau + modelStep(e, last: last)
        if !(next > low && next < high) { next = (low + high) / 2 }
        if next == tau { break }
        tau = next
    }
    return (origin, tau)
}

/// f, the sums left (ψ, over poles ≤ j) and right (φ) with their slopes, and Δ to the two poles of the interval.
struct SecularValue {
    var f: Double, psiSlope: Double, phiSlope: Double, toLeft: Double, toRight: Double, magnitude: Double
}

func secular(_ j: Int, origin: Int, tau: Double, poles: [Double], weights: [Double]) -> SecularValue {
    var psi = 0.0
    var psiSlope = 0.0
    var phi = 0.0
    var phiSlope = 0.0
    let base = poles[origin]
    for i in 0...j {
        let delta = (poles[i] - base) - tau
        let term = weights[i] / delta
        psi += term
        psiSlope += term / delta
    }
    for i in (j + 1)..<poles.count {
        let delta = (poles[i] - base) - tau
        let term = weights[i] / delta
        phi += term
        phiSlope += term / delta
    }
    let toRight = j + 1 < poles.count ? (poles[j + 1] - base) - tau : 0
    return SecularValue(
        f: 1 + psi + phi, psiSlope: psiSlope, phiSlope: phiSlope, toLeft: (poles[j] - base) - tau,
        toRight: toRight, magnitude: 1 + abs(psi) + phi + abs(tau) * (psiSlope + phiSlope))
}

/// The step η to the zero of c + Δₗ²ψ′/(Δₗ − η) + Δᵣ²φ′/(Δᵣ − η) (the last root: no right pole).
func modelStep(_ e: SecularValue, last: Bool) -> Double {
    let (dl, dr) = (e.toLeft, e.toRight)
    if last {
        let c = e.f - dl * e.psiSlope
        return c > 0 ? dl + dl * dl * e.psiSlope / c : .nan
    }
    let c = e.f - dl * e.psiSlope - dr * e.phiSlope
    let a = c * (dl + dr) + dl * dl * e.psiSlope + dr * dr * e.phiSlope
    let b = dl * dr * e.f
    if c == 0 { return b / a }
    let root = max(0, a * a - 4 * b * c).squareRoot()
    return a <= 0 ? (a - root) / (2 * c) : 2 * b / (a + root)
}
