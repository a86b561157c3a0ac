import Foundation
import SpectralCore
import SpectralNetworks

/// A long training run's state, saved so that an interrupted point resumes to the bits of an uninterrupted one:
/// the trainer (parameters, optimiser moments and step, mini-batch order and shuffler) and the experiment's own
/// records so far (curves, spectra, warm starts). One JSON file, `checkpoint.json` in the point's checkpoint
/// folder, written atomically (the Float32 buffers as base64 of their little-endian bytes).
struct TrainingCheckpoint<Records: Codable>: Codable {
    static var format: Int { 1 }
    let format: Int
    let step: Int
    let optimizerSteps: Int
    let parameters: Data, first: Data, second: Data
    let order: [Int]
    let cursor: Int
    let shuffler: UInt64
    let records: Records

    init(_ s: TrainerState, records: Records) {
        (format, step, optimizerSteps) = (Self.format, s.step, s.optimizerSteps)
        (parameters, first, second) = (Self.bytes(s.parameters), Self.bytes(s.first), Self.bytes(s.second))
        (order, cursor, shuffler, self.records) = (s.order, s.cursor, s.shuffler, records)
    }

    var trainerState: TrainerState {
        TrainerState(
            step: step, parameters: Self.floats(parameters), optimizerSteps: optimizerSteps, first: Self.floats(first),
            second: Self.floats(second), order: order, cursor: cursor, shuffler: shuffler)
    }

    static func bytes(_ values: [Float]) -> Data {
        var data = Data(capacity: values.count * 4)
        for v in values {
            let bits = v.bitPattern
            data.append(contentsOf: [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: bits >> $0) })
        }
        return data
    }

    static func floats(_ data: Data) -> [Float] {
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count - 3, by: 4).map { i in
            Float(
                bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(
                    bytes[i + 3]) << 24)
        }
    }
}

extension PointContext {
    /// Runs `trainer` up to `steps`, resuming from this point's checkpoint when there is one (restoring `records`),
    /// and saving one every `checkpointInterval` steps (when set) and when a signal stops the run. `fresh` runs
    /// once before the first step of a run that is not resumed; `observe(step, loss, &records)` after each step,
    /// before progress is counted and the signal polled; `note(loss)` labels the progress line.
    public func trainResumably<Records: Codable>(
        _ trainer: Trainer, steps: Int, records: inout Records,
        fresh: (inout Records) throws -> Void = { _ in },
        note: (Double) -> String,
        observe: (Int, Double, inout Records) throws -> Void
    ) throws {
        if let saved: TrainingCheckpoint<Records> = loadCheckpoint(), saved.step <= steps {
            try trainer.restore(saved.trainerState)
            records = saved.records
            try advance(saved.step, note: "resumed at step \(saved.step)")
        } else {
            try fresh(&records)
        }
        while trainer.step < steps {
            let loss = try trainer.runStep()
            try observe(trainer.step, loss, &records)
            if let interval = checkpointInterval, trainer.step % interval == 0, trainer.step < steps {
                try saveCheckpoint(TrainingCheckpoint(trainer.state, records: records))
            }
            do { try advance(note: note(loss)) } catch let error as SpectralError {
                if case .interrupted = error { try saveCheckpoint(TrainingCheckpoint(trainer.state, records: records)) }
                throw error
            }
        }
    }

    private var checkpointFile: URL? { checkpoint?.appendingPathComponent("checkpoint.json") }

    private func loadCheckpoint<Records: Codable>() -> TrainingCheckpoint<Records>? {
        guard let file = checkpointFile, let data = FileManager.default.contents(atPath: file.path) else { return nil }
        // A checkpoint that does not decode (another format, a damaged disk) is ignored: the point starts over.
        guard let saved = try? JSONDecoder().decode(TrainingCheckpoint<Records>.self, from: data),
            saved.format == TrainingCheckpoint<Records>.format
        else { return nil }
        return saved
    }

    private func saveCheckpoint<Records: Codable>(_ c: TrainingCheckpoint<Records>) throws {
        guard let file = checkpointFile else { return }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(try JSONEncoder().encode(c), to: file)
    }
}
