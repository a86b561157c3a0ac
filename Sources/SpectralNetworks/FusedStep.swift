import SpectralKernels

/// How a training step is cut across the threads of the pool.
///
/// `layered`: each product, bias sum and optimiser update is one pool job, cut by the GEMM over its output tiles:
/// about four jobs a layer. `fused`: two jobs a step.
///
///     phase 1: rows across threads                    phase 2: rows of ∂W across threads
///     ┌───────────────── M rows ─────────────────┐    ┌─ W_{L-1} ─┐┌─ W_{L-2} ─┐     ┌── W_0 ──┐
///     │ rows 0..<m₁:  H_1 … H_L, ∂loss/∂H_L,      │    │ j 0..<36  ││ j 0..<36  │ ... │ j 0..<36 │
///     │               G_L … G_1                   │    │ j 36..<64 ││ j 36..<64 │     │ j 36..<64│
///     │ rows m₁..<M:  the same                    │    └───────────┘└───────────┘     └──────────┘
///     └───────────────────────────────────────────┘    each task: ∂W_l[j, :], ∂b_l[j], update θ_l[j]
///
/// A row of H_{l+1} or G_l needs only the same row of H_l or G_{l+1}, so phase 1 runs every layer with no wait
/// between them; ∂W_l = G_{l+1}ᵀ·H_l sums over the rows, so phase 2 cuts its output instead, and each task updates
/// the parameters whose gradient it has just made, while they are in its cache. The loss itself (a sum) is taken
/// on the calling thread between the phases, and a divergent step stops there, before any parameter changes.
/// Every element is computed by the same operations as in the layered step, so the two give the same bits (tested).
///
/// Fused pays where a product is too small to be worth a pool job (a narrow net); on wide layers each thread
/// would pack all of B instead of its half, so those stay layered.
public enum StepPhases: String, Sendable, CaseIterable {
    case layered, fused

    /// Products of at most this many weights (fan-in × fan-out) are small enough to fuse.
    public static let largestFusedLayer = 128 * 128

    /// `fused` when the pool has several threads and every layer is at most `largestFusedLayer`.
    public static func suited(sizes: [Int], threads: Int) -> StepPhases {
        let small = zip(sizes, sizes.dropFirst()).allSatisfy { $0 * $1 <= largestFusedLayer }
        return threads > 1 && small ? .fused : .layered
    }

    /// Phase 2's tasks: each layer's output rows cut into one range per thread (whole 6-row micro-panels), the
    /// costliest tasks first so that the last ones to be taken are short.
    static func parameterTasks(net: MLP, threads: Int) -> [(layer: Int, outputs: Range<Int>)] {
        var tasks: [(layer: Int, outputs: Range<Int>)] = []
        for l in stride(from: net.layerCount - 1, through: 0, by: -1) {
            let share = rowShare(net.fanOut(l), threads: threads)
            for start in stride(from: 0, to: net.fanOut(l), by: share) {
                tasks.append((l, start..<min(net.fanOut(l), start + share)))
            }
        }
        let cost = { (t: (layer: Int, outputs: Range<Int>)) in t.outputs.count * net.fanIn(t.layer) }
        return tasks.enumerated().sorted { (cost($0.element), $1.offset) > (cost($1.element), $0.offset) }.map(
            \.element)
    }

    /// ⌈count / threads⌉ rounded up to whole micro-panels of the register tile.
    static func rowShare(_ count: Int, threads: Int) -> Int {
        let mr = GEMMBlocking.mr
        return max(1, ((count + threads - 1) / max(1, threads) + mr - 1) / mr * mr)
    }
}

extension MLPPass {
    /// Phase 1 of a fused step: the forward pass, ∂loss/∂H_L and G_L … G_1, rows split across the pool.
    public func forwardAndInputGradients(
        _ input: UnsafePointer<Float>, targets: UnsafePointer<Float>, rows: Int, loss: Loss
    ) {
        precondition(rows <= capacity, "batch of \(rows) rows exceeds the pass capacity \(capacity)")
        let share = StepPhases.rowShare(rows, threads: gemm.pool.threadCount)
        let outputs = net.outputSize
        gemm.pool.run(tasks: (rows + share - 1) / share, overhead: .join) { task, worker in
            let part = (task * share)..<min(rows, (task + 1) * share)
            forward(input, rows: part, worker: worker)
            profiled(.loss, thread: worker) {
                loss.writeGradient(
                    output: output, target: targets,
                    elements: (part.lowerBound * outputs)..<(part.upperBound * outputs),
                    count: rows * outputs, into: outputGradient)
            }
            for l in stride(from: net.layerCount - 1, to: 0, by: -1) {
                propagateGradient(l, input: input, rows: part, worker: worker)
            }
        }
    }

    /// Phase 2 of a fused step: every layer's ∂W and ∂b, then `update(layer, outputs)` on the calling thread for
    /// the parameters of those output rows (weights and bias), tasks across the pool. `update` runs concurrently on
    /// disjoint parameters and returns whether they stayed finite; so does this, for all of them.
    public func parameterGradientsAndUpdates(
        _ input: UnsafePointer<Float>, rows: Int, update: (_ layer: Int, _ outputs: Range<Int>) -> Bool
    ) -> Bool {
        let finite = taskFinite.pointer
        gemm.pool.run(tasks: parameterTasks.count, overhead: .join) { task, worker in
            let (l, outputs) = parameterTasks[task]
            layerGradient(l, input: input, rows: rows, outputs: outputs, worker: worker)
            finite[task] = profiled(.optimizer, layer: l, thread: worker) { update(l, outputs) }
        }
        return (0..<parameterTasks.count).allSatisfy { finite[$0] }
    }
}
