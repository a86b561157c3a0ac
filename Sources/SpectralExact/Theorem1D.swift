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
        envelopeDecay = DecayFit.fit(frequencies: positive.map(\.0), magnitudes: positive.map(\.1.magnitude), envelope: true)
    }

    public var holds: Bool { spectrumRatio <= 1 + 1e-12 && jumpRatio <= 1 + 1e-12 }

    public var summary: [String: Any] {
        var out: [String: Any] = [
            "pieces": pieces, "lipschitz": lipschitz, "total_slope_jump": totalSlopeJump,
            "max_scaled_kink_spectrum": largestScaledSpectrum,
            "ratio_scaled_spectrum_to_total_jump": spectrumRatio,
            "ratio_total_jump_to_2_pieces_lipschitz": jumpRatio, "bounds_hold": holds,
        ]
        if let decay {
            out["decay_exponent"] = decay.slope
            out["decay_exponent_standard_error"] = decay.standardError
            out["decay_fit_band"] = [decay.band.lowerBound, decay.band.upperBound]
            out["decay_fit_points"] = decay.points
            out["decay_fit_of"] = "log |kink spectrum| against log k (plain least squares)"
        }
        if let envelopeDecay {
            out["envelope_decay_exponent"] = envelopeDecay.slope
            out["envelope_decay_exponent_standard_error"] = envelopeDecay.standardError
        }
        return out
    }
}
