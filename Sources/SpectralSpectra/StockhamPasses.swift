import SpectralKernels

/// Split complex data: real parts in one array, imaginary parts in another.
typealias SplitArrays = (re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>)

/// The Stockham passes of one 7-smooth length with their twiddle tables: the whole transform but its scratch.
struct StockhamPasses {
    let count: Int
    let stages: [Stage]
    let twiddleRe: AlignedBuffer<Double>
    let twiddleIm: AlignedBuffer<Double>

    struct Stage {
        let radix: Int
        let L: Int
        let mOut: Int
        let twiddleOffset: Int
        /// The last pass (m′ = 1) runs vectorised over j, with its twiddles in groups of
        /// four j (`lastPassTwiddleIndex`).
        var isLastVectorised: Bool { mOut == 1 && L >= 4 }

        /// The size of the stage's twiddle table: the last pass pads j to whole groups of four.
        var twiddleCount: Int { (isLastVectorised ? (L + 3) / 4 * 4 : L) * (radix - 1) }

        /// Where ω_{L·r}^{q·j} is kept in the stage's twiddle table.
        func twiddleIndex(j: Int, q: Int) -> Int {
            twiddleOffset
                + (isLastVectorised ? lastPassTwiddleIndex(j: j, q: q, radix: radix) : j * (radix - 1) + q - 1)
        }
    }

    /// `radices` multiply to the length; they run in the order given.
    init(radices: [Int]) {
        let n = radices.reduce(1, *)
        count = n
        var stages: [Stage] = []
        var L = 1
        var offset = 0
        for r in radices {
            let stage = Stage(radix: r, L: L, mOut: n / (L * r), twiddleOffset: offset)
            stages.append(stage)
            offset += stage.twiddleCount
            L *= r
        }
        self.stages = stages
        twiddleRe = AlignedBuffer(count: offset)
        twiddleIm = AlignedBuffer(count: offset)
        for s in stages {
            let period = s.L * s.radix
            for j in 0..<s.L {
                for q in 1..<s.radix {
                    let w = unitRoot(index: -(q * j), period: period)
                    let index = s.twiddleIndex(j: j, q: q)
                    precondition(
                        index >= s.twiddleOffset && index < s.twiddleOffset + s.twiddleCount,
                        "twiddle (j \(j), q \(q)) outside its stage's table")
                    twiddleRe[index] = w.re
                    twiddleIm[index] = w.im
                }
            }
        }
    }

    /// Transforms `source` into `destination` (count values each; they may be the same arrays). The first pass
    /// reads `source` and the last writes `destination`; the passes between alternate between the two scratch pairs.
    @inline(__always)
    func run(source: SplitArrays, destination: SplitArrays, scratch: (SplitArrays, SplitArrays)) {
        run(
            input: SplitInput(re: source.re, im: source.im), inPlace: source.re == destination.re,
            destination: destination, scratch: scratch)
    }

    /// Whether the first pass can read an input that is not split arrays (`PairedRealInput`): all but a lone
    /// last pass, which gathers its inputs across the arrays, and length 1, which has no pass.
    var firstPassTakesAnyInput: Bool { stages.first.map { !$0.isLastVectorised } ?? false }

    /// `run(source:destination:scratch:)` with the first pass reading `input`; `inPlace` says whether `input` is
    /// `destination` itself.
    @inline(__always)
    func run(input: some PassInput, inPlace: Bool, destination: SplitArrays, scratch: (SplitArrays, SplitArrays)) {
        var from: SplitArrays? = nil  // nil while the first pass, which reads `input`, has not run
        for (index, s) in stages.enumerated() {
            // Passes are out of place: a lone pass in place goes through scratch and is copied back below.
            let isLast = index == stages.count - 1 && (stages.count > 1 || !inPlace)
            let to = isLast ? destination : index % 2 == 0 ? scratch.0 : scratch.1
            if let from {
                runStage(s, SplitInput(re: from.re, im: from.im), to)
            } else {
                runStage(s, input, to)
            }
            from = to
        }
        if let from, from.re != destination.re {
            destination.re.update(from: from.re, count: count)
            destination.im.update(from: from.im, count: count)
        }
    }

    @inline(__always)
    private func runStage(_ s: Stage, _ input: some PassInput, _ to: SplitArrays) {
        let tRe = UnsafePointer(twiddleRe.pointer + s.twiddleOffset)
        let tIm = UnsafePointer(twiddleIm.pointer + s.twiddleOffset)
        switch s.radix {
        case 4 where s.mOut % 4 == 0:
            radix4Pass(
                L: s.L, mOut: s.mOut, input: input, outRe: to.re, outIm: to.im, twiddleRe: tRe, twiddleIm: tIm)
        case 4: runPass(Radix4.self, s, input, to, tRe, tIm)
        case 2: runPass(Radix2.self, s, input, to, tRe, tIm)
        case 3: runPass(Radix3.self, s, input, to, tRe, tIm)
        case 5: runPass(Radix5.self, s, input, to, tRe, tIm)
        default: runPass(Radix7.self, s, input, to, tRe, tIm)
        }
    }

    @inline(__always)
    private func runPass<C: Codelet>(
        _: C.Type, _ s: Stage, _ input: some PassInput, _ to: SplitArrays,
        _ tRe: UnsafePointer<Double>, _ tIm: UnsafePointer<Double>
    ) {
        if s.isLastVectorised {
            guard let from = input.splitArrays else { preconditionFailure("the last pass reads split arrays") }
            stockhamLastPass(
                C.self, L: s.L, inRe: from.re, inIm: from.im, outRe: to.re, outIm: to.im,
                twiddleRe: tRe, twiddleIm: tIm)
        } else {
            stockhamPass(
                C.self, L: s.L, mOut: s.mOut, input: input, outRe: to.re, outIm: to.im,
                twiddleRe: tRe, twiddleIm: tIm)
        }
    }
}

/// Where a pass reads its complex inputs.
protocol PassInput {
    /// The V.width complex values from `index` on: their real parts, their imaginary parts.
    func load<V: FFTLane>(_: V.Type, _ index: Int) -> (V, V)
    /// The arrays themselves when the input is split arrays (the last pass gathers across them).
    var splitArrays: (re: UnsafePointer<Double>, im: UnsafePointer<Double>)? { get }
}

/// Split arrays: every pass's input but a real transform's first.
struct SplitInput: PassInput {
    let re: UnsafePointer<Double>
    let im: UnsafePointer<Double>

    init(re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>) {
        (self.re, self.im) = (UnsafePointer(re), UnsafePointer(im))
    }

    @inline(__always) func load<V: FFTLane>(_: V.Type, _ index: Int) -> (V, V) {
        (V.load(re + index), V.load(im + index))
    }
    var splitArrays: (re: UnsafePointer<Double>, im: UnsafePointer<Double>)? { (re, im) }
}

/// 2n real samples read as the n complex values z_j = x_{2j} + i·x_{2j+1}: the first pass of a real transform's
/// half-length transform reads the samples where they lie, with no deinterleaving pass over memory before it.
struct PairedRealInput: PassInput {
    let samples: UnsafePointer<Double>

    @inline(__always) func load<V: FFTLane>(_: V.Type, _ index: Int) -> (V, V) {
        V.deinterleaved(samples + 2 &* index)
    }
    var splitArrays: (re: UnsafePointer<Double>, im: UnsafePointer<Double>)? { nil }
}
