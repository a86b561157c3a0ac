import SpectralKernels
let pool = ThreadPool(threadCount: 2)
let p1 = PeakProbe.fmaGFLOPS(pool: pool, threads: 1)
let p2 = PeakProbe.fmaGFLOPS(pool: pool, threads: 2)
print("peak", p1, p2)
// kinds: 0 = X·Wᵀ (B transposed), 1 = dY·W, 2 = dYᵀ·X (A transposed)
for (kind, m, n, k) in [(0, 200, 256, 256), (1, 200, 256, 256), (2, 256, 256, 200), (1, 1024, 1024, 1024)] {
  for t in [1, 2] {
    let g = GEMM(threads: t)
    let a = AlignedBuffer<Float>(count: m*k), b = AlignedBuffer<Float>(count: k*n), c = AlignedBuffer<Float>(count: m*n)
    for i in 0..<a.count { a[i] = Float(i % 7) * 0.1 }
    for i in 0..<b.count { b[i] = Float(i % 5) * 0.1 }
    let av = kind == 2 ? MatrixView.rowMajor(a.pointer, rows: k, cols: m).transposed : .rowMajor(a.pointer, rows: m, cols: k)
    let bv = kind == 0 ? MatrixView.rowMajor(b.pointer, rows: n, cols: k).transposed : .rowMajor(b.pointer, rows: k, cols: n)
    let reps = max(3, Int(2e9 / Double(2*m*n*k)))
    var best = 1e9
    for _ in 0..<5 { best = min(best, PeakProbe.time { for _ in 0..<reps { g.multiply(av, bv, into: c.pointer, ldc: n) } } / Double(reps)) }
    let gf = 2.0*Double(m*n*k)/best/1e9
    print(kind, m, n, k, t, gf, gf / p1)
  }
}
