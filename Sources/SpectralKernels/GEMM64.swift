/// Float64 C = A·B, C += A·B or C −= A·B on strided views, BLIS style: the loop nest of the Float32 `GEMM`
/// (jc → pc: pack B → ic: pack A → jr → ir → the 6 × 8 register tile of `microKernel6` on SIMD8<Double>), with A
/// always packed (the eigensolver's operands are column slices of large matrices, far apart in memory) and the
/// sign of a subtraction folded into A's packing, so the micro-kernel only ever adds.
///
/// Threads split the output into rectangles (`OutputTiling`, whole 6-row and 8-column micro-tiles); each C element
/// is reduced over k in slices of KC in the same order whatever the split, so the bits do not depend on the
/// thread count. Not safe for concurrent calls on one instance (it owns its packing buffers).
public final class GEMM64: @unchecked Sendable {
    public enum Update: Sendable { case overwrite, add, subtract }
    static let mr = 6, nr = 8, kc = 256, mc = 96, nc = 2048

    public let pool: ThreadPool
    private let packedA: [AlignedBuffer<Double>]
    private let packedB: [AlignedBuffer<Double>]

    public init(pool: ThreadPool) {
        self.pool = pool
        packedA = (0..<pool.threadCount).map { _ in AlignedBuffer(count: Self.mc * Self.kc) }
        packedB = (0..<pool.threadCount).map { _ in AlignedBuffer(count: Self.kc * Self.nc) }
    }

    /// C (m × n, row-major with leading dimension `ldc`) = A (m × k) · B (k × n), or C ± A·B. k = 0 leaves C as the
    /// update says (zero, or unchanged).
    public func multiply(
        _ a: MatrixView64, _ b: MatrixView64, into c: UnsafeMutablePointer<Double>, ldc: Int,
        _ update: Update = .overwrite
    ) {
        precondition(
            a.cols == b.rows, "GEMM64 inner dimensions differ: A is \(a.rows)x\(a.cols), B is \(b.rows)x\(b.cols)")
        let (m, n, k) = (a.rows, b.cols, a.cols)
        precondition(ldc >= n, "GEMM64 leading dimension of C is smaller than its width")
        if m == 0 || n == 0 { return }
        if k == 0 {
            if update == .overwrite { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        let tiling = OutputTiling(m: m, n: n, threads: pool.threadCount, mr: Self.mr, nr: Self.nr)
        pool.run(tasks: tiling.taskCount) { task, worker in
            let (rows, cols) = tiling.tile(task)
            product64(
                a, b, c: c, ldc: ldc, rows: rows, cols: cols, update: update,
                packedA: packedA[worker].pointer, packedB: packedB[worker].pointer)
        }
    }
}

extension GEMM64 {
    /// The Gram matrix X·Xᵀ (rows × rows, row-major) of X (rows × cols, row-major): `multiply` on views of an array,
    /// for callers outside the kernels, which hold no pointers.
    public func gram(_ x: [Double], rows: Int, cols: Int) -> [Double] {
        precondition(x.count == rows * cols, "gram: \(x.count) values are not \(rows) × \(cols)")
        var product = [Double](repeating: 0, count: rows * rows)
        x.withUnsafeBufferPointer { values in
            guard let base = values.baseAddress else { return }
            let view = MatrixView64.rowMajor(base, rows: rows, cols: cols)
            product.withUnsafeMutableBufferPointer { multiply(view, view.transposed, into: $0.baseAddress!, ldc: rows) }
        }
        return product
    }
}

/// The loop nest over one output rectangle of `GEMM64`.
private func product64(
    _ a: MatrixView64, _ b: MatrixView64, c: UnsafeMutablePointer<Double>, ldc: Int,
    rows: Range<Int>, cols: Range<Int>, update: GEMM64.Update,
    packedA: UnsafeMutablePointer<Double>, packedB: UnsafeMutablePointer<Double>
) {
    let (mr, nr) = (GEMM64.mr, GEMM64.nr)
    let sign = update == .subtract ? -1.0 : 1.0
    for jc in stride(from: cols.lowerBound, to: cols.upperBound, by: GEMM64.nc) {
        let nc = min(GEMM64.nc, cols.upperBound - jc)
        for pc in stride(from: 0, to: a.cols, by: GEMM64.kc) {
            let kc = min(GEMM64.kc, a.cols - pc)
            let accumulate = update != .overwrite || pc > 0
            for q in 0..<((nc + nr - 1) / nr) {
                pack64(
                    b.transposed, lines: (jc + q * nr)..<min(jc + nc, jc + (q + 1) * nr), width: nr,
                    depth: pc..<(pc + kc),
                    scale: 1, into: packedB + q * nr * kc)
            }
            for ic in stride(from: rows.lowerBound, to: rows.upperBound, by: GEMM64.mc) {
                let mc = min(GEMM64.mc, rows.upperBound - ic)
                for r in stride(from: 0, to: mc, by: mr) {
                    pack64(
                        a, lines: (ic + r)..<min(ic + mc, ic + r + mr), width: mr, depth: pc..<(pc + kc), scale: sign,
                        into: packedA + r * kc)
                }
                for q in 0..<((nc + nr - 1) / nr) {
                    for r in stride(from: 0, to: mc, by: mr) {
                        tile64(
                            depth: kc, a: packedA + r * kc, b: packedB + q * nr * kc,
                            c: c + (ic + r) * ldc + jc + q * nr,
                            ldc: ldc, rows: min(mr, mc - r), cols: min(nr, nc - q * nr), accumulate: accumulate)
                    }
                }
            }
        }
    }
}

/// Packs lines `lines` of `m` (rows of A, or rows of Bᵀ = columns of B) over the reduction range `depth` into one
/// micro-panel of `width` interleaved lines, depth-major, times `scale`; missing lines are zero.
@inline(__always)
private func pack64(
    _ m: MatrixView64, lines: Range<Int>, width: Int, depth: Range<Int>, scale: Double,
    into out: UnsafeMutablePointer<Double>
) {
    let count = lines.count
    for (i, line) in lines.enumerated() {
        let origin = m.base + line * m.rowStride + depth.lowerBound * m.colStride
        for p in 0..<depth.count { out[p * width + i] = scale * origin[p * m.colStride] }
    }
    if count < width { for p in 0..<depth.count { for i in count..<width { out[p * width + i] = 0 } } }
}

/// One 6 × 8 tile of C (fewer at the edges, through a scratch tile so nothing outside C is touched).
@inline(__always)
private func tile64(
    depth: Int, a: UnsafePointer<Double>, b: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>,
    ldc: Int, rows: Int, cols: Int, accumulate: Bool
) {
    let (mr, nr) = (GEMM64.mr, GEMM64.nr)
    if rows == mr && cols == nr {
        microKernel6(SIMD8<Double>.self, depth: depth, a: a, b: b, c: c, ldc: ldc, accumulate: accumulate)
        return
    }
    withUnsafeTemporaryAllocation(of: Double.self, capacity: mr * nr) { scratch in
        let t = scratch.baseAddress!
        microKernel6(SIMD8<Double>.self, depth: depth, a: a, b: b, c: t, ldc: nr, accumulate: false)
        for i in 0..<rows { for j in 0..<cols { c[i * ldc + j] = (accumulate ? c[i * ldc + j] : 0) + t[i * nr + j] } }
    }
}
