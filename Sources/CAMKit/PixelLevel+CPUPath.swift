import ImageIO
import Inference

extension PixelLevel {
    /// The pixel loops' level on a CPU path: `CAMKIT_ISA=generic` forces their scalar code as
    /// well as the engine's, so each path can be tested on one machine.
    public init(_ path: CPUPath) {
        switch path {
        case .avx512: self = .avx512
        case .avx2: self = .avx2
        case .generic: self = .scalar
        }
    }
}

extension Resampler {
    /// Pillow's resize with the passes on a CPU path's level.
    init(filter: Filter, path: CPUPath) {
        self.init(filter: filter, level: PixelLevel(path))
    }
}
