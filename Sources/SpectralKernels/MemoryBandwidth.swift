/// The memory bandwidth the roofline is drawn against, measured as STREAM's triad a[i] = b[i] + s·c[i] over arrays
/// far larger than the caches (3 × 64 MiB by default), split into one contiguous range per thread. Bytes are
/// counted as STREAM counts them: two 8-byte reads and one 8-byte write per element (write-allocate traffic not
/// counted), so the figure is comparable with published STREAM results.
public enum MemoryBandwidth {
    /// GB/s (10⁹ bytes per second) of the best of `repeats` triads on `threads` threads of `pool`.
    public static func triad(pool: ThreadPool, threads: Int, bytesPerArray: Int = 64 << 20, repeats: Int = 5) -> Double
    {
        let n = bytesPerArray / 8
        let a = AlignedBuffer<Double>(count: n)
        let b = AlignedBuffer<Double>(count: n)
        let c = AlignedBuffer<Double>(count: n)
        for i in 0..<n {
            b[i] = Double(i & 7)
            c[i] = 1
        }
        let chunk = (n + threads - 1) / threads
        let (pa, pb, pc) = (a.pointer, b.pointer, c.pointer)
        var best = Double.infinity
        for _ in 0..<repeats {
            let seconds = PeakProbe.time {
                pool.run(tasks: threads) { task, _ in
                    let range = (task * chunk)..<min(n, (task + 1) * chunk)
                    var i = range.lowerBound
                    while i + 4 <= range.upperBound {
                        let x = UnsafeRawPointer(pb + i).loadUnaligned(as: SIMD4<Double>.self)
                        let y = UnsafeRawPointer(pc + i).loadUnaligned(as: SIMD4<Double>.self)
                        UnsafeMutableRawPointer(pa + i).storeBytes(of: x.addingProduct(3, y), as: SIMD4<Double>.self)
                        i += 4
                    }
                    while i < range.upperBound {
                        pa[i] = pb[i] + 3 * pc[i]
                        i += 1
                    }
                }
            }
            best = min(best, seconds)
        }
        return 24 * Double(n) / best / 1e9
    }
}
