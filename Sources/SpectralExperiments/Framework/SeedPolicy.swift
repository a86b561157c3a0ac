import SpectralCore

/// The package's one rule for seeds: the generator of a unit of work (a run, a net, a grid cell) is
///
///     SplitMix64(seed: master).fork(c₁).fork(c₂)…fork(cₙ)
///
/// for the unit's coordinates c₁…cₙ, never its position in a list or the order in which units run. So a point
/// draws the same numbers whether it runs alone, in a sweep, or in a shard of a sweep; a coordinate that names a
/// choice uses `SeedPolicy.code(of:)` (a stable hash of its name), a real-valued one its bit pattern.
public enum SeedPolicy {
    public static func generator(master: UInt64, coordinates: [UInt64]) -> SplitMix64 {
        var generator = SplitMix64(seed: master)
        for c in coordinates { generator = generator.fork(c) }
        return generator
    }

    /// FNV-1a of the UTF-8 bytes: a coordinate for a named choice ("he", "pytorch") that no reordering changes.
    public static func code(of name: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}
