import CSpectralSIMD
import Foundation
import SpectralCore

/// The register tile the Float32 GEMM runs on.
///
/// `avx2` is the 6 × 16 tile of `microKernel6` (256-bit vectors, what the build's x86-64-v3 target allows). `avx512`
/// adds the 12 × 32 tile of `spectral_kernel_12x32_avx512` (CSpectralSIMD.c, compiled for AVX-512F on its own and
/// called only where the CPU and the OS support it) for every whole 12-row, 32-column tile; the edges stay on the
/// AVX2 kernels. On AMD Zen 5 the 512-bit FMA units double the peak; on Zen 4 they are two 256-bit halves. Each C
/// element is the same sequential chain of FMAs in k on either tile, so the two give the same bits (tested).
public enum GEMMKernel: String, Sendable, CaseIterable {
    case avx2
    case avx512

    /// True when this CPU can run the kernel.
    public var isSupported: Bool { self == .avx2 || GEMMKernel.hasAVX512 }

    /// The kernel the environment variable SPECTRAL_GEMM_KERNEL names (to compare the two on one machine), or the
    /// widest supported one when it is unset or empty.
    public static let best: GEMMKernel = {
        let requested = try? GEMMKernel.requested(ProcessInfo.processInfo.environment)
        return (requested ?? nil) ?? (hasAVX512 ? .avx512 : .avx2)
    }()

    /// The kernel SPECTRAL_GEMM_KERNEL names in `environment`, nil when it is unset or empty; a usage error when it
    /// names no kernel, or one this CPU cannot run (the command lines check this at start-up, so a typo is refused
    /// rather than measured as the default).
    public static func requested(_ environment: [String: String]) throws -> GEMMKernel? {
        guard let name = environment["SPECTRAL_GEMM_KERNEL"], !name.isEmpty else { return nil }
        let names = allCases.map(\.rawValue).joined(separator: " or ")
        guard let kernel = GEMMKernel(rawValue: name.lowercased()) else {
            throw SpectralError.usage("SPECTRAL_GEMM_KERNEL is '\(name.prefix(40))', not a GEMM kernel; use \(names)")
        }
        guard kernel.isSupported else {
            throw SpectralError.usage("SPECTRAL_GEMM_KERNEL asks for \(name), which this CPU cannot run; unset it")
        }
        return kernel
    }

    private static let hasAVX512: Bool = {
        #if arch(x86_64)
        return spectral_has_avx512() != 0
        #else
        return false
        #endif
    }()
}

/// The 12 × 32 tiles of one MC × NC block, and a 6 × 32 one where 12 rows do not fit: rows `row ..< row + rows`
/// (a multiple of 6) of C against the first `panels` (even) packed B panels from `col`. Rows r ..< r + 6 of A are
/// at `aAt(r)`, with its strides.
@inline(__always)
func computeWideTiles(
    depth kc: Int, aAt: (Int) -> (UnsafePointer<Float>, rowStride: Int, step: Int), b: UnsafePointer<Float>,
    panels: Int, c: UnsafeMutablePointer<Float>, ldc: Int, row: Int, rows: Int, col: Int,
    accumulate: Bool, epilogue: GEMMEpilogue
) {
    let nr = GEMMBlocking.nr
    for q in stride(from: 0, to: panels, by: 2) {
        let b0 = b + q * nr * kc
        var r = 0
        while r < rows {
            let (low, rowStride, step) = aAt(r)
            let (i, j) = (row + r, col + q * nr)
            let (kind, extra, extraLd) = wideEpilogue(epilogue, fallback: UnsafePointer(c), row: i, col: j)
            let (corner, b1, add) = (c + i * ldc + j, b0 + nr * kc, Int32(accumulate ? 1 : 0))
            if r + 12 <= rows {
                spectral_kernel_12x32_avx512(
                    kc, low, aAt(r + 6).0, rowStride, step, b0, b1, corner, ldc, add, Int32(kind), extra, extraLd)
                r += 12
            } else {
                spectral_kernel_6x32_avx512(
                    kc, low, rowStride, step, b0, b1, corner, ldc, add, Int32(kind), extra, extraLd)
                r += 6
            }
        }
    }
}

/// The epilogue as the C kernel takes it: its kind, and its operand at the tile's corner (C[row, col]) with the
/// operand's step from one row to the next.
@inline(__always)
func wideEpilogue(
    _ epilogue: GEMMEpilogue, fallback: UnsafePointer<Float>, row: Int, col: Int
) -> (Int, UnsafePointer<Float>, Int) {
    switch epilogue {
    case .none: return (Int(SPECTRAL_EPILOGUE_NONE), fallback, 0)
    case .addBias(let bias): return (Int(SPECTRAL_EPILOGUE_BIAS), bias + col, 0)
    case .addBiasReLU(let bias): return (Int(SPECTRAL_EPILOGUE_BIAS_RELU), bias + col, 0)
    case .reluMask(let mask, let ld): return (Int(SPECTRAL_EPILOGUE_MASK), mask + row * ld + col, ld)
    }
}
