import SpectralCore
import SpectralKernels

/// A supervised data set held as two row-major Float32 matrices: inputs (rows × d₀) and targets (rows × d_L).
public struct Dataset: Sendable {
    public let inputs: [Float]
    public let targets: [Float]
    public let rows: Int
    public let inputSize: Int
    public let outputSize: Int

    public init(inputs: [Float], targets: [Float], rows: Int) throws {
        guard rows > 0 else { throw SpectralError.badInput("the data set has no rows") }
        guard inputs.count % rows == 0, targets.count % rows == 0, !inputs.isEmpty, !targets.isEmpty else {
            throw SpectralError.badInput("the data set's inputs and targets do not divide into \(rows) rows")
        }
        if let bad = inputs.firstIndex(where: { !$0.isFinite }) {
            throw SpectralError.badInput(
                "input value \(bad % (inputs.count / rows)) of row \(bad / (inputs.count / rows)) is not a finite number"
            )
        }
        if let bad = targets.firstIndex(where: { !$0.isFinite }) {
            throw SpectralError.badInput("target of row \(bad / (targets.count / rows)) is not a finite number")
        }
        self.inputs = inputs
        self.targets = targets
        self.rows = rows
        inputSize = inputs.count / rows
        outputSize = targets.count / rows
    }
}

/// Everything that decides a training run besides the data and the initial network.
public struct TrainingConfiguration: Sendable {
    public var steps: Int
    public var learningRate: Double
    public var optimizer: OptimizerKind = .adam()
    public var loss: Loss = .mse
    public var weightDecay: Double = 0
    public var clip: Double? = nil
    /// Rows per step; nil (or ≥ rows) means full batch. Mini-batches are drawn by reshuffling every epoch from
    /// `shuffleSeed`.
    public var batchSize: Int? = nil
    public var shuffleSeed: UInt64 = 0

    public init(steps: Int, learningRate: Double) {
        self.steps = steps
        self.learningRate = learningRate
    }
}

/// A trainer's state between steps (see `Trainer.state`).
public struct TrainerState: Sendable, Equatable {
    public var step: Int
    public var parameters: [Float]
    public var optimizerSteps: Int
    public var first: [Float], second: [Float]
    public var order: [Int]
    public var cursor: Int
    public var shuffler: UInt64

    public init(
        step: Int, parameters: [Float], optimizerSteps: Int, first: [Float], second: [Float], order: [Int],
        cursor: Int, shuffler: UInt64
    ) {
        (self.step, self.parameters, self.optimizerSteps, self.first, self.second) = (
            step, parameters, optimizerSteps, first, second
        )
        (self.order, self.cursor, self.shuffler) = (order, cursor, shuffler)
    }
}

/// Trains one network in place. One step: forward, loss and its gradient, backward, optimiser update.
public final class Trainer: @unchecked Sendable {
    public let net: MLP
    public let data: Dataset
    public let configuration: TrainingConfiguration
    public let pass: MLPPass
    public let optimizer: Optimizer
    public private(set) var step = 0
    private let batchRows: Int
    private let batchInputs: AlignedBuffer<Float>
    private let batchTargets: AlignedBuffer<Float>
    private var order: [Int]
    private var cursor = 0
    private var shuffler: SplitMix64

    public init(net: MLP, data: Dataset, configuration: TrainingConfiguration, gemm: GEMM) throws {
        guard data.inputSize == net.inputSize, data.outputSize == net.outputSize else {
            throw SpectralError.badInput(
                "the data has \(data.inputSize) inputs and \(data.outputSize) targets per row but the network maps \(net.inputSize) to \(net.outputSize)"
            )
        }
        guard configuration.learningRate.isFinite, configuration.learningRate > 0 else {
            throw SpectralError.usage("the learning rate must be a positive number, not \(configuration.learningRate)")
        }
        if let bad = net.firstNonFiniteParameter() {
            throw SpectralError.badInput("the initial network has a non-finite parameter: \(bad)")
        }
        self.net = net
        self.data = data
        self.configuration = configuration
        batchRows = min(data.rows, max(1, configuration.batchSize ?? data.rows))
        pass = MLPPass(net: net, capacity: batchRows, gemm: gemm)
        optimizer = Optimizer(
            kind: configuration.optimizer, learningRate: configuration.learningRate,
            weightDecay: configuration.weightDecay, clip: configuration.clip,
            parameterCount: net.parameterCount)
        batchInputs = AlignedBuffer(count: batchRows * data.inputSize)
        batchTargets = AlignedBuffer(count: batchRows * data.outputSize)
        order = Array(0..<data.rows)
        shuffler = SplitMix64(seed: configuration.shuffleSeed)
        if batchRows == data.rows {
            _ = batchInputs.buffer.update(fromContentsOf: data.inputs)
            _ = batchTargets.buffer.update(fromContentsOf: data.targets)
        }
    }

    /// Runs one step and returns the loss of the batch before the update. Throws when the loss or a parameter
    /// stops being finite, naming the step.
    @discardableResult
    public func runStep() throws -> Double { try profiled(.step) { try runProfiledStep() } }

    private func runProfiledStep() throws -> Double {
        step += 1
        if batchRows < data.rows { profiled(.batch) { gatherNextBatch() } }
        let fused = pass.phases == .fused
        let loss = fused ? fusedForward() : layeredForward()
        guard loss.isFinite else {
            throw SpectralError.runtime(
                "training diverged at step \(step): the loss is \(loss); try a smaller learning rate")
        }
        optimizer.beginStep()
        guard fused ? fusedUpdate() : layeredUpdate() else {
            let which = net.firstNonFiniteParameter() ?? "a parameter"
            throw SpectralError.runtime("training diverged at step \(step): \(which) is not finite")
        }
        return loss
    }

    private func layeredForward() -> Double {
        pass.forward(batchInputs.pointer, rows: batchRows)
        return profiled(.loss) {
            configuration.loss.evaluate(
                output: pass.output, target: batchTargets.pointer, count: batchRows * data.outputSize,
                gradient: pass.outputGradient)
        }
    }

    /// Each layer is updated as soon as its gradient is ready: its weights and gradient are still in cache.
    private func layeredUpdate() -> Bool {
        var finite = true
        pass.backward(batchInputs.pointer, rows: batchRows) { l in
            let layer = net.weightOffset(l)..<(net.biasOffset(l) + net.fanOut(l))
            finite =
                profiled(.optimizer, layer: l) {
                    optimizer.update(
                        parameters: net.parameters.pointer, gradient: pass.parameterGradient.pointer,
                        range: layer, pool: pass.gemm.pool)
                } && finite
        }
        return finite
    }

    private func fusedForward() -> Double {
        pass.forwardAndInputGradients(
            batchInputs.pointer, targets: batchTargets.pointer, rows: batchRows, loss: configuration.loss)
        return profiled(.loss) {
            configuration.loss.total(
                output: pass.output, target: batchTargets.pointer, count: batchRows * data.outputSize)
        }
    }

    private func fusedUpdate() -> Bool {
        let (parameters, gradient) = (net.parameters.pointer, pass.parameterGradient.pointer)
        return pass.parameterGradientsAndUpdates(batchInputs.pointer, rows: batchRows) { l, outputs in
            let (weights, bias, din) = (net.weightOffset(l), net.biasOffset(l), net.fanIn(l))
            let w = optimizer.update(
                parameters: parameters, gradient: gradient,
                range: (weights + outputs.lowerBound * din)..<(weights + outputs.upperBound * din), pool: nil)
            let b = optimizer.update(
                parameters: parameters, gradient: gradient,
                range: (bias + outputs.lowerBound)..<(bias + outputs.upperBound), pool: nil)
            return w && b
        }
    }

    /// Everything that carries from one step to the next besides the data and configuration: restoring it into a
    /// trainer built the same way and running on gives the bits of an uninterrupted run.
    public var state: TrainerState {
        let o = optimizer.state
        return TrainerState(
            step: step, parameters: net.parameters.array, optimizerSteps: o.stepCount, first: o.first,
            second: o.second, order: order, cursor: cursor, shuffler: shuffler.state)
    }

    public func restore(_ s: TrainerState) throws {
        guard s.parameters.count == net.parameterCount, s.first.count == net.parameterCount,
            s.second.count == net.parameterCount, s.order.count == data.rows,
            (0..<max(1, data.rows)).contains(s.cursor),
            Set(s.order) == Set(0..<data.rows), s.step >= 0, s.optimizerSteps >= 0
        else {
            throw SpectralError.badInput(
                "the checkpoint is of another training run (its sizes do not match this one's)")
        }
        step = s.step
        _ = net.parameters.buffer.update(fromContentsOf: s.parameters)
        optimizer.restore(stepCount: s.optimizerSteps, first: s.first, second: s.second)
        (order, cursor, shuffler) = (s.order, s.cursor, SplitMix64(seed: s.shuffler))
    }

    /// Runs `steps` steps, calling `observe(step, loss)` after each.
    public func train(steps: Int? = nil, observe: (Int, Double) throws -> Void = { _, _ in }) throws {
        for _ in 0..<(steps ?? configuration.steps) {
            let loss = try runStep()
            try observe(step, loss)
        }
    }

    /// The network's outputs on `rows` inputs (row-major), in Float32 through the training kernels.
    public func predict(_ inputs: [Float], rows: Int) -> [Float] {
        predictWithPass(net: net, gemm: pass.gemm, inputs: inputs, rows: rows)
    }

    private func gatherNextBatch() {
        let (din, dout) = (data.inputSize, data.outputSize)
        for r in 0..<batchRows {
            if cursor == 0 { shuffler.shuffle(&order) }
            let source = order[cursor]
            cursor = (cursor + 1) % data.rows
            for j in 0..<din { batchInputs[r * din + j] = data.inputs[source * din + j] }
            for j in 0..<dout { batchTargets[r * dout + j] = data.targets[source * dout + j] }
        }
    }
}

/// Runs `net` on `rows` inputs through the fast kernels, in batches of at most 4096 rows.
public func predictWithPass(net: MLP, gemm: GEMM, inputs: [Float], rows: Int) -> [Float] {
    precondition(inputs.count == rows * net.inputSize, "inputs do not match rows × input size")
    let batch = min(max(rows, 1), 4096)
    let pass = MLPPass(net: net, capacity: batch, gemm: gemm)
    var out = [Float](repeating: 0, count: rows * net.outputSize)
    inputs.withUnsafeBufferPointer { x in
        var start = 0
        while start < rows {
            let count = min(batch, rows - start)
            pass.forward(x.baseAddress! + start * net.inputSize, rows: count)
            for i in 0..<(count * net.outputSize) { out[start * net.outputSize + i] = pass.output[i] }
            start += count
        }
    }
    return out
}

/// The loss of a net on a fixed data set (a validation split), through the fast kernels with buffers kept between
/// calls, accumulated in Float64 in row order.
public final class Evaluator: @unchecked Sendable {
    public let data: Dataset
    public let loss: Loss
    private let pass: MLPPass
    private let inputs: AlignedBuffer<Float>

    public init(net: MLP, data: Dataset, loss: Loss, gemm: GEMM) {
        self.data = data
        self.loss = loss
        pass = MLPPass(net: net, capacity: data.rows, gemm: gemm)
        inputs = AlignedBuffer(data.inputs)
    }

    /// The net's outputs on the data (rows × outputs).
    public func outputs() -> [Float] {
        pass.forward(inputs.pointer, rows: data.rows)
        return Array(UnsafeBufferPointer(start: pass.output, count: data.rows * data.outputSize))
    }

    public func value() -> Double {
        let y = outputs()
        return loss.value(output: y.map(Double.init), target: data.targets.map(Double.init))
    }
}
