import SpectralKernels

/// out[p, o] = bias[o] + Σ_i x[p, i]·w[o, i] in Float64, for `rows` rows of `x` (row-major, `inputs` wide) and a
/// weight `w` of [outputs, inputs] (PyTorch layout). Register-blocked: each step forms a 4 × 2 block of dot
/// products with SIMD4 accumulators, so every loaded row of x and of w is used two and four times. Rows are split
/// across the pool; each output is one dot product summed in a fixed order, so the thread count does not change it.
func affineRows(_ x: UnsafePointer<Double>, rows: Int, inputs: Int, weight w: UnsafePointer<Double>,
                bias: UnsafePointer<Double>?, outputs: Int, into out: UnsafeMutablePointer<Double>, pool: ThreadPool) {
    let blockRows = 4
    let blocks = (rows + blockRows - 1) / blockRows
    let perTask = max(1, blocks / (8 * pool.threadCount))
    pool.run(tasks: (blocks + perTask - 1) / perTask) { task, _ in
        for block in (task * perTask)..<min(blocks, (task + 1) * perTask) {
            let p0 = block * blockRows
            let count = min(blockRows, rows - p0)
            var o = 0
            while o < outputs {
                let pair = min(2, outputs - o)
                var sums = [Double](repeating: 0, count: 8)
                dotBlock(x + p0 * inputs, rows: count, w + o * inputs, cols: pair, length: inputs, into: &sums)
                for r in 0..<count {
                    for c in 0..<pair { out[(p0 + r) * outputs + o + c] = sums[r * 2 + c] + (bias?[o + c] ?? 0) }
                }
                o += 2
            }
        }
    }
}

/// sums[r·2 + c] = ⟨x row r, w row c⟩ for r < rows ≤ 4, c < cols ≤ 2 (missing rows/cols read row 0 and are ignored).
@inline(__always)
private func dotBlock(_ x: UnsafePointer<Double>, rows: Int, _ w: UnsafePointer<Double>, cols: Int, length: Int,
                      into sums: inout [Double]) {
    typealias V = SIMD4<Double>
    let xr = (0..<4).map { x + min($0, rows - 1) * length }
    let wr = (0..<2).map { w + min($0, cols - 1) * length }
    var a00 = V(), a01 = V(), a10 = V(), a11 = V(), a20 = V(), a21 = V(), a30 = V(), a31 = V()
    var i = 0
    @inline(__always) func load(_ p: UnsafePointer<Double>) -> V { UnsafeRawPointer(p + i).loadUnaligned(as: V.self) }
    while i + 4 <= length {
        let w0 = load(wr[0]), w1 = load(wr[1])
        let x0 = load(xr[0]), x1 = load(xr[1]), x2 = load(xr[2]), x3 = load(xr[3])
        a00 = a00.addingProduct(x0, w0); a01 = a01.addingProduct(x0, w1)
        a10 = a10.addingProduct(x1, w0); a11 = a11.addingProduct(x1, w1)
        a20 = a20.addingProduct(x2, w0); a21 = a21.addingProduct(x2, w1)
        a30 = a30.addingProduct(x3, w0); a31 = a31.addingProduct(x3, w1)
        i += 4
    }
    var s = [a00.sum(), a01.sum(), a10.sum(), a11.sum(), a20.sum(), a21.sum(), a30.sum(), a31.sum()]
    while i < length {
        for r in 0..<4 { for c in 0..<2 { s[r * 2 + c] += xr[r][i] * wr[c][i] } }
        i += 1
    }
    sums = s
}
