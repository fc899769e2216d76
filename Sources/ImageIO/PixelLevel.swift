import CPixelKernels

/// The instruction set of the pixel loops in C (`CPixelKernels`: the resize passes, the overlay
/// blend). Every level gives the same bytes; the caller picks one from the process's CPU path.
public enum PixelLevel: Int32, Sendable, CaseIterable {
    case scalar = 0, avx2 = 1, avx512 = 2

    /// Whether this CPU runs the level.
    public var isSupported: Bool { camkit_px_supported(rawValue) != 0 }

    /// The widest level this CPU runs.
    public static let best: PixelLevel = [.avx512, .avx2].first { $0.isSupported } ?? .scalar
}
