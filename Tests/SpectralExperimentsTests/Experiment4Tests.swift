import Foundation
import SpectralCore
import SpectralExperiments
import SpectralKernels
import XCTest

final class Experiment4Tests: XCTestCase {
    /// The kernel basis on 60 MNIST samples against references that share no code with it: the kernel entries
    /// from the pixels directly, Jacobi's eigenvalues (decreasing), vₙᵀψ = (n/(N−1))^γ for the high-frequency
    /// noise (orthonormality, a closed form), and binned |Vᵀf| by a naive sum. Tolerances: the package forms d²
    /// through the Gram matrix, gᵢᵢ + gⱼⱼ − 2gᵢⱼ with ‖x‖² ≈ 100, so d² carries ~u·100·784 ≈ 2e-11, which moves an
    /// entry by at most that much (its slope in d² is ≤ 1/2σ²·e^(−1)); 1e-10 on λ covers it. The projections are
    /// exact up to ~n·u: 1e-12.
    func testKernelBasisAgainstIndependentReferences() throws {
        let subset = try MNISTSubset(mnistSubset, limit: 60)
        let n = subset.count
        for bandwidth in [MNISTKernelSpectrum.Bandwidth.fixed(1.25), .fixed(6), .median] {
            let basis = try KernelBasis(subset.pixels, count: n, bandwidth: bandwidth, pool: ThreadPool(threadCount: 2))
            var kernel = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in 0..<n {
                    var d2 = 0.0
                    for p in 0..<784 {
                        let t = Double(subset.pixels[i * 784 + p]) - Double(subset.pixels[j * 784 + p])
                        d2 += t * t
                    }
                    kernel[i * n + j] = exp(-d2 / (2 * basis.sigma * basis.sigma))
                }
            }
            let jacobi = jacobiEigen(kernel, n: n).values.reversed()
            for (a, b) in zip(basis.values, jacobi) {
                XCTAssertEqual(a, b, accuracy: 1e-10, "\(bandwidth): eigenvalues")
            }
            let gamma = 2.0
            let noise = basis.combination { pow(Double($0) / Double(n - 1), gamma) }
            for m in [0, 1, n / 2, n - 1] {
                let coefficient = (0..<n).reduce(0.0) { $0 + basis.vectors[$1 * n + m] * noise[$1] }
                XCTAssertEqual(
                    coefficient, pow(Double(m) / Double(n - 1), gamma), accuracy: 1e-12, "\(bandwidth): v_\(m)ᵀψ")
            }
            let f = (0..<n).map { sin(Double($0)) }
            let binned = basis.binnedMagnitudes(f, width: 20)
            XCTAssertEqual(binned.count, 3)
            for b in 0..<3 {
                let naive = (20 * b..<min(n, 20 * b + 20)).map { m in
                    abs((0..<n).reduce(0.0) { $0 + basis.vectors[$1 * n + m] * f[$1] })
                }
                XCTAssertEqual(binned[b], naive.reduce(0, +) / Double(naive.count), accuracy: 1e-12)
            }
        }
    }

    /// The eigensolver's contract on experiment 4's own matrix, the t10k 3/8 kernel with σ = 1.25 (n = 1,984,
    /// eigenvalues packed in 0.93…1.07): ‖KV − VΛ‖_F/‖K‖_F and ‖VᵀV − I‖_F under 1e-13·n, the products by
    /// GEMM64 (tested against a triple loop in GEMM64Tests).
    func testEigensolverContractOnTheMNISTKernel() throws {
        let subset = try MNISTSubset(try requireFullMNIST(), limit: 2000)
        let n = subset.count
        let pool = ThreadPool(threadCount: 2)
        let gemm = GEMM64(pool: pool)
        let x = subset.pixels.map(Double.init)
        var kernel = [Double](repeating: 0, count: n * n)
        x.withUnsafeBufferPointer { xp in
            let view = MatrixView64.rowMajor(xp.baseAddress!, rows: n, cols: 784)
            gemm.multiply(view, view.transposed, into: &kernel, ldc: n)
        }
        let diagonal = (0..<n).map { kernel[$0 * n + $0] }
        for i in 0..<n {
            for j in 0..<n {
                let d2 = i == j ? 0 : max(0, diagonal[i] + diagonal[j] - 2 * kernel[i * n + j])
                kernel[i * n + j] = exp(-d2 / (2 * 1.25 * 1.25))
            }
        }
        let e = try SymmetricEigen(kernel, n: n, pool: pool)
        var kv = [Double](repeating: 0, count: n * n)
        var vtv = [Double](repeating: 0, count: n * n)
        kernel.withUnsafeBufferPointer { k in
            e.vectors.withUnsafeBufferPointer { v in
                let vectors = MatrixView64.rowMajor(v.baseAddress!, rows: n, cols: n)
                gemm.multiply(.rowMajor(k.baseAddress!, rows: n, cols: n), vectors, into: &kv, ldc: n)
                gemm.multiply(vectors.transposed, vectors, into: &vtv, ldc: n)
            }
        }
        var residual = 0.0
        var orthogonality = 0.0
        for i in 0..<n {
            for j in 0..<n {
                let r = kv[i * n + j] - e.values[j] * e.vectors[i * n + j]
                let o = vtv[i * n + j] - (i == j ? 1 : 0)
                residual += r * r
                orthogonality += o * o
            }
        }
        let norm = kernel.reduce(0) { $0 + $1 * $1 }.squareRoot()
        print(
            String(
                format: "MNIST kernel n %d: residual %.2e, orthogonality %.2e, eigenvalues %.4f…%.4f", n,
                residual.squareRoot() / norm, orthogonality.squareRoot(), e.values[0], e.values[n - 1]))
        XCTAssertLessThan(residual.squareRoot() / norm, 1e-13 * Double(n))
        XCTAssertLessThan(orthogonality.squareRoot(), 1e-13 * Double(n))
    }

    /// A short run writes its documented columns, records iteration 0 (an untrained net: every bin below its
    /// target), and with both noises reaches half the target in bin 0 no later than in the last bin.
    func testShortRunFilesAndOrder() throws {
        var c = MNISTKernelSpectrum.Configuration(preset: .quick, mnist: mnistSubset)
        (c.samples, c.iterations, c.recordEvery) = (120, 150, 10)
        let experiment = try MNISTKernelSpectrum(c)
        let out = temporaryFolder("exp4")
        let folder = try OutputFolder(destination: out, location: out)
        let summary = try experiment.write(try experiment.run(.standalone(seed: 0)), to: folder)
        for (file, header) in [
            "eigenvalues.csv": ["n", "eigenvalue", "gap_to_next"],
            "spectra.csv": ["noise", "iteration", "bin", "magnitude"],
            "losses.csv": ["noise", "run", "iteration", "train_loss", "val_loss"],
            "fitting.csv": ["noise", "bin", "target_magnitude", "clean_magnitude", "iteration_at_half"],
        ] {
            XCTAssertEqual(try readTable(out.appendingPathComponent(file)).header, header, file)
        }
        XCTAssertEqual(summary.samples, 120)
        for noise in summary.noises {
            let first = try XCTUnwrap(noise.halfIteration.first ?? nil, "\(noise.noise): bin 0 reaches half its target")
            XCTAssertGreaterThan(first, 0)
            // The last bin never reaching half its target is reaching it later than bin 0.
            XCTAssertLessThanOrEqual(first, noise.halfIteration.last.flatMap { $0 } ?? .max, "\(noise.noise)")
        }
    }
}
