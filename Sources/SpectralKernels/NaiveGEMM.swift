/// The reference beside the fast kernel: C = A·B (+ C) (+ epilogue) by the textbook triple loop, accumulating in
/// Float64 so that it is more accurate than the kernel it checks, and applying the epilogue element by element in
/// scalar code of its own (none of the kernel's vector epilogue), so the two share no arithmetic. Slow on purpose;
/// for tests only.
public func naiveGEMM(
    _ a: MatrixView, _ b: MatrixView, into c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool = false, epilogue: GEMMEpilogue = .none
) {
    precondition(a.cols == b.rows, "naive GEMM inner dimensions differ")
    for i in 0..<a.rows {
        for j in 0..<b.cols {
            var sum = accumulate ? Double(c[i * ldc + j]) : 0
            for p in 0..<a.cols { sum += Double(a[i, p]) * Double(b[p, j]) }
            c[i * ldc + j] = referenceEpilogue(epilogue, Float(sum), row: i, col: j)
        }
    }
}

/// The epilogue of one element, by its definition in `GEMMEpilogue`.
private func referenceEpilogue(_ epilogue: GEMMEpilogue, _ x: Float, row: Int, col: Int) -> Float {
    switch epilogue {
    case .none: return x
    case .addBias(let bias): return x + bias[col]
    case .addBiasReLU(let bias): return max(x + bias[col], 0)
    case .reluMask(let mask, let ld): return mask[row * ld + col] > 0 ? x : 0
    }
}
