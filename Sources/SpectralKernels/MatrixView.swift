/// A read-only strided view of a matrix: element (i, j) is `base[i * rowStride + j * colStride]`.
///
/// Transposes are views, not copies: the GEMM's packing step reads any strides, so Y = X·Wᵀ, dX = dY·W and
/// dW = dYᵀ·X all run through one kernel.
public struct StridedMatrix<Scalar> {
    public var base: UnsafePointer<Scalar>
    public var rows: Int
    public var cols: Int
    public var rowStride: Int
    public var colStride: Int

    public init(_ base: UnsafePointer<Scalar>, rows: Int, cols: Int, rowStride: Int, colStride: Int = 1) {
        self.base = base
        self.rows = rows
        self.cols = cols
        self.rowStride = rowStride
        self.colStride = colStride
    }

    /// A dense row-major matrix.
    public static func rowMajor(_ base: UnsafePointer<Scalar>, rows: Int, cols: Int) -> Self {
        Self(base, rows: rows, cols: cols, rowStride: cols, colStride: 1)
    }

    public var transposed: Self {
        Self(base, rows: cols, cols: rows, rowStride: colStride, colStride: rowStride)
    }

    @inline(__always)
    public subscript(i: Int, j: Int) -> Scalar { base[i * rowStride + j * colStride] }
}

/// The Float32 view of the training GEMM.
public typealias MatrixView = StridedMatrix<Float>
/// The Float64 view of `GEMM64` and the eigensolver.
public typealias MatrixView64 = StridedMatrix<Double>

/// What the GEMM does to each finished output element, while the tile is still in cache.
public enum GEMMEpilogue {
    /// C as computed.
    case none
    /// C[i, j] += bias[j] (a linear layer's forward pass).
    case addBias(UnsafePointer<Float>)
    /// C[i, j] = max(C[i, j] + bias[j], 0) (a hidden layer's forward pass).
    case addBiasReLU(UnsafePointer<Float>)
    /// C[i, j] = mask[i, j] > 0 ? C[i, j] : 0, with `mask` row-major of leading dimension `ld` (the backward pass
    /// through a ReLU, whose derivative is read off the stored activation: max(z, 0) > 0 exactly when z > 0).
    case reluMask(UnsafePointer<Float>, ld: Int)
}
