import Foundation
import SpectralSpectra

/// The 1-D form of the paper's theorem, checked on one network:
///   |f̃(k)|·(2πk)² ≤ Σ_j |Δs_j|        (triangle inequality on the kink formula)
///   Σ_j |Δs_j| ≤ 2·N_f·L_f            (N_f − 1 kinks, each jump at most 2·L_f)
/// Each is reported as a ratio (≤ 1 when it holds), with the decay exponent of the kink spectrum. The exponent is
/// the plain least-squares slope of log|f̃| against log k on the given (uniform) grid: the numerator
/// Σ Δs_j e^{−2πikx_j} is almost periodic, so log of it is stationary in k and the plain slope is unbiased (−2 for
/// a generic net, within its standard error). The upper-envelope slope is reported too, but it is biased towards
/// shallower values on any finite band, because the running maximum of an almost-periodic numerator keeps growing
/// towards Σ|Δs| as the band widens (measured: −1.92 to −1.96 over k ∈ [50, 5000] where the plain fit gives −2.00).
public struct Theorem1DCheck {
    public let pieces: Int
    public let lipschitz: Double
    public let totalSlopeJump: Double
    /// max_k |f̃(k)|·(2πk)² over the frequencies given.
    public let largestScaledSpectrum: Double
    /// largestScaledSpectrum / Σ|Δs|.
    public let spectrumRatio: Double
    /// Σ|Δs| / (2·N_f·L_f).
    public let jumpRatio: Double
    public let decay: DecayFit?
    public let envelopeDecay: DecayFit?

    public init(_ f: PiecewiseLinear1D, frequencies: [Double], kinkSpectrum: [Complex]) {
        pieces = f.pieces
        lipschitz = f.lipschitz
        totalSlopeJump = f.totalSlopeJump
        var largest = 0.0
        for (k, v) in zip(frequencies, kinkSpectrum) where k != 0 {
            largest = max(largest, v.magnitude * (2 * Double.pi * k) * (2 * Double.pi * k))
        }
        largestScaledSpectrum = largest
        spectrumRatio = totalSlopeJump > 0 ? largest / totalSlopeJump : 0
        jumpRatio = lipschitz > 0 ? totalSlopeJump / (2 * Double(pieces) * lipschitz) : 0
        let positive = zip(frequencies, kinkSpectrum).filter { $0.0 > 0 }
        decay = DecayFit.fit(frequencies: positive.map(\.0), magnitudes: positive.map(\.1.magnitude))
        envelopeDecay = DecayFit.fit(
            frequencies: positive.map(\.0), magnitudes: positive.map(\.1.magnitude), envelope: true)
    }

    public var holds: Bool { spectrumRatio <= 1 + 1e-12 && jumpRatio <= 1 + 1e-12 }

    public var summary: Theorem1DSummary {
        Theorem1DSummary(
            pieces: pieces, lipschitz: lipschitz, totalSlopeJump: totalSlopeJump,
            maxScaledKinkSpectrum: largestScaledSpectrum, ratioScaledSpectrumToTotalJump: spectrumRatio,
            ratioTotalJumpToTwoPiecesLipschitz: jumpRatio, boundsHold: holds, decayExponent: decay?.slope,
            decayExponentStandardError: decay?.standardError,
            decayFitBand: decay.map { [$0.band.lowerBound, $0.band.upperBound] }, decayFitPoints: decay?.points,
            decayFitOf: "log |kink spectrum| against log k (plain least squares)",
            envelopeDecayExponent: envelopeDecay?.slope,
            envelopeDecayExponentStandardError: envelopeDecay?.standardError)
    }
}

/// The check's numbers as `summary.json` holds them.
public struct Theorem1DSummary: Codable, Sendable {
    public let pieces: Int
    public let lipschitz: Double
    public let totalSlopeJump: Double
    public let maxScaledKinkSpectrum: Double
    public let ratioScaledSpectrumToTotalJump: Double
    public let ratioTotalJumpToTwoPiecesLipschitz: Double
    public let boundsHold: Bool
    public let decayExponent: Double?
    public let decayExponentStandardError: Double?
    public let decayFitBand: [Double]?
    public let decayFitPoints: Int?
    public let decayFitOf: String
    public let envelopeDecayExponent: Double?
    public let envelopeDecayExponentStandardError: Double?
}
