/// Products with m, n or k = 1, which the 6 × 16 register tile would mostly pad with zeros or spend on packing:
/// a net's first layer (n = 1 for ∂W₀ and k = 1 forward when d₀ = 1) and its last (n = 1 forward, m = 1 for ∂W,
/// k = 1 for ∂X when d_L = 1).
///
///     n = 1:  c_i  = Σ_p a_ip · b_p        (dot products; threads over rows)
///     m = 1:  c_j  = Σ_p a_p · b_pj        (rows of B added in order p = 0, 1, …; threads over columns)
///     k = 1:  c_ij = a_i · b_j             (an outer product, one FMA each; threads over rows)
///
/// As in the blocked product, threads split the output only, and each element is reduced over p in one fixed
/// order, so results do not depend on the thread count. Vectors run eight lanes wide where the operand is
/// contiguous along them, else one element at a time.
extension GEMM {
    /// Computes C when m, n or k is 1 (k = 1 with B's row contiguous); false otherwise.
    func thinProduct(
        _ a: MatrixView, _ b: MatrixView, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool,
        epilogue: GEMMEpilogue, worker: Int?
    ) -> Bool {
        let (m, n) = (a.rows, b.cols)
        let kernel: (Range<Int>, Range<Int>) -> Void
        let splitRows: Bool
        var epilogueAfter = epilogue
        if n == 1 {
            (kernel, splitRows) = (
                { rows, _ in dotProducts(a, b, c: c, ldc: ldc, rows: rows, accumulate: accumulate) }, true
            )
        } else if m == 1 && b.colStride == 1 {
            (kernel, splitRows) = ({ _, cols in rowCombination(a, b, c: c, cols: cols, accumulate: accumulate) }, false)
        } else if a.cols == 1 && b.colStride == 1 {
            // Each row gets the epilogue while it is in L1 (an M × n block can be larger than L1).
            (kernel, splitRows) = (
                { rows, _ in
                    outerProduct(a, b, c: c, ldc: ldc, rows: rows, accumulate: accumulate, epilogue: epilogue)
                }, true
            )
            epilogueAfter = .none
        } else {
            return false
        }
        let length = splitRows ? m : n
        let chunks = min(worker == nil ? pool.threadCount : 1, max(1, length / 64))
        let chunk = ((length + chunks - 1) / chunks + 7) / 8 * 8
        forEachTask((length + chunk - 1) / chunk, on: worker) { task, _ in
            let part = (task * chunk)..<min(length, (task + 1) * chunk)
            let (rows, cols) = splitRows ? (part, 0..<n) : (0..<m, part)
            kernel(rows, cols)
            applyEpilogue(
                epilogueAfter, c: c, ldc: ldc, row: rows.lowerBound, rows: rows.count, col: cols.lowerBound,
                cols: cols.count)
        }
        return true
    }
}

@inline(__always)
private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// c_i = Σ_p a_ip·b_p (+ c_i) for the rows given.
private func dotProducts(
    _ a: MatrixView, _ b: MatrixView, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Range<Int>, accumulate: Bool
) {
    let k = a.cols
    var first = rows.lowerBound
    if a.rowStride == 1 {
        // A's columns contiguous (a transposed view, as ∂W₀ = G₁ᵀ·X): eight rows at once, each lane summing over p
        // in order, the same operations as the one-row loop below.
        while first + 8 <= rows.upperBound {
            var lanes = SIMD8<Float>()
            for p in 0..<k {
                lanes.addProduct(load8(a.base + first + p * a.colStride), SIMD8(repeating: b.base[p * b.rowStride]))
            }
            for lane in 0..<8 {
                let i = first + lane
                c[i * ldc] = accumulate ? c[i * ldc] + lanes[lane] : lanes[lane]
            }
            first += 8
        }
    }
    for i in first..<rows.upperBound {
        let row = a.base + i * a.rowStride
        var sum: Float = 0
        if a.colStride == 1 && b.rowStride == 1 {
            var lanes = SIMD8<Float>()
            var p = 0
            while p + 8 <= k {
                lanes.addProduct(load8(row + p), load8(b.base + p))
                p += 8
            }
            sum = lanes.sum()
            while p < k {
                sum.addProduct(row[p], b.base[p])
                p += 1
            }
        } else {
            for p in 0..<k { sum.addProduct(row[p * a.colStride], b.base[p * b.rowStride]) }
        }
        c[i * ldc] = accumulate ? c[i * ldc] + sum : sum
    }
}

/// c_j = Σ_p a_p·b_pj (+ c_j) for the columns given (B's rows contiguous), adding B's rows in order.
private func rowCombination(
    _ a: MatrixView, _ b: MatrixView, c: UnsafeMutablePointer<Float>, cols: Range<Int>, accumulate: Bool
) {
    if !accumulate { (c + cols.lowerBound).update(repeating: 0, count: cols.count) }
    for p in 0..<a.cols {
        let (scale, row) = (a.base[p * a.colStride], b.base + p * b.rowStride)
        var j = cols.lowerBound
        while j + 8 <= cols.upperBound {
            var v = load8(c + j)
            v.addProduct(SIMD8(repeating: scale), load8(row + j))
            store8(v, c + j)
            j += 8
        }
        while j < cols.upperBound {
            c[j].addProduct(scale, row[j])
            j += 1
        }
    }
}

/// c_ij = a_i·b_j (+ c_ij) for the rows given (k = 1, B's one row contiguous), then the epilogue: a single FMA per
/// element, which is what the register tile computes at depth 1, and 16 columns at a time the tile's own epilogue
/// (`finishRow`) in registers; the last n mod 16 columns get it in place.
private func outerProduct(
    _ a: MatrixView, _ b: MatrixView, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Range<Int>, accumulate: Bool,
    epilogue: GEMMEpilogue
) {
    typealias V = SIMD16<Float>
    let n = b.cols
    let whole = n / 16 * 16
    for i in rows {
        let (scale, out) = (a.base[i * a.rowStride], c + i * ldc)
        for j in stride(from: 0, to: whole, by: 16) {
            let start = accumulate ? UnsafeRawPointer(out + j).loadUnaligned(as: V.self) : V()
            let product = start.addingProduct(
                V(repeating: scale), UnsafeRawPointer(b.base + j).loadUnaligned(as: V.self))
            UnsafeMutableRawPointer(out + j).storeBytes(of: finishRow(product, epilogue, row: i, col: j), as: V.self)
        }
        for j in whole..<n { out[j] = (accumulate ? out[j] : 0).addingProduct(scale, b.base[j]) }
        if whole < n { applyEpilogue(epilogue, c: c, ldc: ldc, row: i, rows: 1, col: whole, cols: n - whole) }
    }
}
