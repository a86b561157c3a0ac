import Foundation

/// The reference for `SymmetricEigen`: cyclic Jacobi rotations on a dense symmetric matrix (row-major, both
/// triangles read) until every off-diagonal entry is below u·‖A‖_F, then the eigenpairs sorted ascending. Slow
/// (O(n³) per sweep, about ten sweeps) and simple; its eigenvalues carry a relative error of a few u, with no
/// reduction to tridiagonal form and no secular equation in common with the fast path.
public func jacobiEigen(_ matrix: [Double], n: Int) -> (values: [Double], vectors: [Double]) {
    var a = matrix
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    let norm = a.reduce(0) { $0 + $1 * $1 }.squareRoot()
    for _ in 0..<100 {
        var off = 0.0
        for p in 0..<n { for q in (p + 1)..<max(p + 1, n) { off = max(off, abs(a[p * n + q])) } }
        if off <= Double.ulpOfOne * norm * 0.5 { break }
        for p in 0..<n {
            for q in (p + 1)..<max(p + 1, n) where a[p * n + q] != 0 {
                let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot()
                let s = t * c
                for k in 0..<n {  // A ← A·J (columns p, q)
                    let (akp, akq) = (a[k * n + p], a[k * n + q])
                    a[k * n + p] = c * akp - s * akq
                    a[k * n + q] = s * akp + c * akq
                }
                for k in 0..<n {  // A ← Jᵀ·A (rows p, q)
                    let (apk, aqk) = (a[p * n + k], a[q * n + k])
                    a[p * n + k] = c * apk - s * aqk
                    a[q * n + k] = s * apk + c * aqk
                }
                for k in 0..<n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q])
                    v[k * n + p] = c * vkp - s * vkq
                    v[k * n + q] = s * vkp + c * vkq
                }
            }
        }
    }
    let order = (0..<n).sorted { (a[$0 * n + $0], $0) < (a[$1 * n + $1], $1) }
    var vectors = [Double](repeating: 0, count: n * n)
    for r in 0..<n { for (j, o) in order.enumerated() { vectors[r * n + j] = v[r * n + o] } }
    return (order.map { a[$0 * n + $0] }, vectors)
}
