import Foundation

/// What the build assumes of the CPU, checked at start-up so that a machine without it gets a plain sentence
/// instead of an illegal-instruction crash.
public enum CPUFeatures {
    /// The instruction-set extensions this build was compiled to use (empty off x86-64).
    public static var required: [String] {
        #if arch(x86_64)
        return ["avx2", "fma"]
        #else
        return []
        #endif
    }

    /// The required extensions the CPU lacks, from /proc/cpuinfo (Linux); nil when it cannot be read.
    public static func missing() -> [String]? {
        if required.isEmpty { return [] }
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        guard let flagsLine = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(flagsLine.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "\t" }).map(String.init))
        return required.filter { !flags.contains($0) }
    }

    /// Throws when the CPU lacks what the build assumes.
    public static func check() throws {
        if let missing = missing(), !missing.isEmpty {
            throw SpectralError.runtime(
                "this CPU lacks \(missing.joined(separator: " and ").uppercased()), which this build of spectral was compiled for (-march=x86-64-v3); build without that flag in Package.swift to run here, about 100 times slower"
            )
        }
    }
}
