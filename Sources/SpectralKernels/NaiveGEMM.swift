/// The reference beside the fast kernel: C = A·B (+ C) (+ epilogue) by the textbook triple loop, accumulating in
/// Float64 so that it is more accurate than the kernel it checks. Slow on purpose; for tests only.
public func naiveGEMM(_ a: MatrixView, _ b: MatrixView, into c: UnsafeMutablePointer<Float>, ldc: Int,
                      accumulate: Bool = false, epilogue: GEMMEpilogue = .none) {
    precondition(a.cols == b.rows, "naive GEMM inner dimensions differ")
    for i in 0..<a.rows {
        for j in 0..<b.cols {
            var sum = accumulate ? Double(c[i * ldc + j]) : 0
            for p in 0..<a.cols { sum += Double(a[i, p]) * Double(b[p, j]) }
            c[i * ldc + j] = Float(sum)
        }
    }
    if a.rows > 0 && b.cols > 0 {
        applyEpilogue(epilogue, c: c, ldc: ldc, row: 0, rows: a.rows, col: 0, cols: b.cols)
    }
}
