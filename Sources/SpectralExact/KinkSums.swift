import SpectralCore
import SpectralKernels
import SpectralSpectra

/// S(k_m) = Σ_j w_j e^{−2πi k_m x_j} for many frequencies, Float64.
///
/// Eight terms at a time in two SIMD4 groups with Neumaier-compensated accumulation per frequency and lane. On a uniform
/// frequency grid the phase advances by a fixed rotation e^{−2πi Δk x_j}, re-anchored exactly (angle reduced in
/// turns) every 64 steps, so the recurrence error stays at a few tens of ulps; other grids evaluate every phase directly.
///
/// The frequencies are split into chunks of at most about `termsPerChunk` terms, evaluated in parallel with a pool
/// (each chunk's sums are independent, so the result does not depend on the thread count or the split). A stop
/// (`Interrupt`) is seen between chunks, so it waits for at most one chunk per thread.
public func kinkSums(
    positions x: [Double], weights w: [Double], frequencies k: [Double],
    pool: ThreadPool? = nil
) -> [Complex] {
    precondition(x.count == w.count, "one weight per position")
    // The grid's step and the anchor positions are global (chunks are whole multiples of the anchor interval), so
    // every frequency goes through the same operations whatever the split.
    let step = k.count > 1 ? k[1] - k[0] : 0
    let uniform = k.count > 2 && zip(k.dropFirst(), k).allSatisfy { abs(($0 - $1) - step) <= 1e-12 * max(abs($0), 1) }
    let threads = pool?.threadCount ?? 1
    let forThreads = max(256, (k.count + 4 * threads - 1) / (4 * threads))
    let chunk = max(1, min(forThreads, termsPerChunk / max(1, x.count)) / anchorInterval) * anchorInterval
    let chunks = (k.count + chunk - 1) / chunk
    // An interrupt leaves the remaining chunks empty; the caller checks and throws.
    let evaluate = { (c: Int) -> [Complex] in
        if Interrupt.requested { return [] }
        return kinkSumsSerial(x, w, k[(c * chunk)..<min(k.count, (c + 1) * chunk)], uniform: uniform, step: step)
    }
    let results: [[Complex]]
    if let pool, threads > 1, chunks > 1 {
        results = pool.map(tasks: chunks) { c, _ in evaluate(c) }
    } else {
        results = (0..<chunks).map(evaluate)
    }
    if Interrupt.requested { return k.map { _ in Complex(.nan, .nan) } }
    return results.flatMap { $0 }
}

/// About a hundredth of a second's sums on one core: small enough that a stop is prompt, large enough that the
/// chunks' overhead (a task, an array) is noise.
private let termsPerChunk = 1 << 22

/// Phases on a uniform grid are recomputed exactly every this many frequencies.
private let anchorInterval = 64

private func kinkSumsSerial(
    _ x: [Double], _ w: [Double], _ kSlice: ArraySlice<Double>, uniform: Bool,
    step: Double
) -> [Complex] {
    typealias V = SIMD4<Double>
    let k = Array(kSlice)
    let m = k.count
    guard m > 0 else { return [] }
    var sumRe = [V](repeating: .zero, count: m)
    var sumIm = sumRe
    var compRe = sumRe
    var compIm = sumRe
    let anchorEvery = anchorInterval
    @inline(__always) func add(_ sum: inout V, _ comp: inout V, _ v: V) {
        let t = sum + v
        let big = (sum - t) + v
        let small = (v - t) + sum
        comp += big.replacing(with: small, where: magnitude(sum) .< magnitude(v))
        sum = t
    }
    @inline(__always) func magnitude(_ v: V) -> V { v.replacing(with: -v, where: v .< 0) }
    @inline(__always) func unit(_ turns: V) -> (V, V) {
        var c = V()
        var s = V()
        for lane in 0..<4 {
            let e = Complex.unit(turns: turns[lane])
            c[lane] = e.re
            s[lane] = e.im
        }
        return (c, s)
    }
    // Eight kinks per pass over the frequencies (two SIMD4 groups whose terms are added before the compensated
    // accumulation), so each accumulator is loaded and stored once per eight terms.
    var j = 0
    while j < x.count {
        var xa = V()
        var wa = V()
        var xb = V()
        var wb = V()
        for lane in 0..<4 where j + lane < x.count {
            xa[lane] = x[j + lane]
            wa[lane] = w[j + lane]
        }
        for lane in 0..<4 where j + 4 + lane < x.count {
            xb[lane] = x[j + 4 + lane]
            wb[lane] = w[j + 4 + lane]
        }
        if uniform {
            let (rotReA, rotImA) = unit(-step * xa)
            let (rotReB, rotImB) = unit(-step * xb)
            var start = 0
            while start < m {
                var (aRe, aIm) = unit(-k[start] * xa)
                var (bRe, bIm) = unit(-k[start] * xb)
                for i in start..<min(m, start + anchorEvery) {
                    add(&sumRe[i], &compRe[i], wa * aRe + wb * bRe)
                    add(&sumIm[i], &compIm[i], wa * aIm + wb * bIm)
                    (aRe, aIm) = (aRe * rotReA - aIm * rotImA, aRe * rotImA + aIm * rotReA)
                    (bRe, bIm) = (bRe * rotReB - bIm * rotImB, bRe * rotImB + bIm * rotReB)
                }
                start += anchorEvery
            }
        } else {
            for i in 0..<m {
                let (aRe, aIm) = unit(-k[i] * xa)
                let (bRe, bIm) = unit(-k[i] * xb)
                add(&sumRe[i], &compRe[i], wa * aRe + wb * bRe)
                add(&sumIm[i], &compIm[i], wa * aIm + wb * bIm)
            }
        }
        j += 8
    }
    return (0..<m).map { i in
        var re = CompensatedSum()
        var im = CompensatedSum()
        for lane in 0..<4 {
            re.add(sumRe[i][lane])
            re.add(compRe[i][lane])
            im.add(sumIm[i][lane])
            im.add(compIm[i][lane])
        }
        return Complex(re.value, im.value)
    }
}
