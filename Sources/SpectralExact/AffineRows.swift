import SpectralKernels

/// out[p, o] = bias[o] + Σ_i x[p, i]·w[o, i] in Float64, for `rows` rows of `x` (row-major, `inputs` wide) and a
/// weight `w` of [outputs, inputs] (PyTorch layout). Register-blocked: each step forms a 4 × 2 block of dot
/// products with SIMD4 accumulators, so every loaded row of x and of w is used two and four times. Cache-blocked:
/// a panel of 32 rows of w (256 KiB at 1024 inputs) stays in L2 while the task's rows of x stream past it. Rows
/// are split across the pool; each output is one dot product summed in a fixed order, so the thread count does not
/// change it.
func affineRows(_ x: UnsafePointer<Double>, rows: Int, inputs: Int, weight w: UnsafePointer<Double>,
                bias: UnsafePointer<Double>?, outputs: Int, into out: UnsafeMutablePointer<Double>, pool: ThreadPool) {
    let blockRows = 4
    let blocks = (rows + blockRows - 1) / blockRows
    let perTask = max(1, blocks / (2 * pool.threadCount))
    pool.run(tasks: (blocks + perTask - 1) / perTask) { task, _ in
        let panel = 32
        for panelStart in stride(from: 0, to: outputs, by: panel) {
            for block in (task * perTask)..<min(blocks, (task + 1) * perTask) {
                let p0 = block * blockRows
                let count = min(blockRows, rows - p0)
                var o = panelStart
                while o < min(outputs, panelStart + panel) {
                    let pair = min(2, outputs - o)
                    let sums = dotBlock(x + p0 * inputs, rows: count, w + o * inputs, cols: pair, length: inputs)
                    for r in 0..<count {
                        for c in 0..<pair { out[(p0 + r) * outputs + o + c] = sums[r * 2 + c] + (bias?[o + c] ?? 0) }
                    }
                    o += 2
                }
            }
        }
    }
}

/// The 4 × 2 dot products ⟨x row r, w row c⟩ for r < rows ≤ 4, c < cols ≤ 2, as lanes r·2 + c of the result
/// (missing rows and columns repeat the last real one and are ignored by the caller).
@inline(__always)
private func dotBlock(_ x: UnsafePointer<Double>, rows: Int, _ w: UnsafePointer<Double>, cols: Int,
                      length: Int) -> SIMD8<Double> {
    typealias V = SIMD4<Double>
    let x0 = x, x1 = x + min(1, rows - 1) * length, x2 = x + min(2, rows - 1) * length, x3 = x + min(3, rows - 1) * length
    let w0 = w, w1 = w + min(1, cols - 1) * length
    var a00 = V(), a01 = V(), a10 = V(), a11 = V(), a20 = V(), a21 = V(), a30 = V(), a31 = V()
    var i = 0
    @inline(__always) func load(_ p: UnsafePointer<Double>) -> V { UnsafeRawPointer(p + i).loadUnaligned(as: V.self) }
    while i + 4 <= length {
        let u0 = load(w0), u1 = load(w1)
        let v0 = load(x0), v1 = load(x1), v2 = load(x2), v3 = load(x3)
        a00 = a00.addingProduct(v0, u0); a01 = a01.addingProduct(v0, u1)
        a10 = a10.addingProduct(v1, u0); a11 = a11.addingProduct(v1, u1)
        a20 = a20.addingProduct(v2, u0); a21 = a21.addingProduct(v2, u1)
        a30 = a30.addingProduct(v3, u0); a31 = a31.addingProduct(v3, u1)
        i += 4
    }
    var s = SIMD8<Double>(a00.sum(), a01.sum(), a10.sum(), a11.sum(), a20.sum(), a21.sum(), a30.sum(), a31.sum())
    while i < length {
        s += SIMD8<Double>(x0[i] * w0[i], x0[i] * w1[i], x1[i] * w0[i], x1[i] * w1[i],
                           x2[i] * w0[i], x2[i] * w1[i], x3[i] * w0[i], x3[i] * w1[i])
        i += 1
    }
    return s
}
