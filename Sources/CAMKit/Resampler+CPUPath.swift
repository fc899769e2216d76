import ImageIO
import Inference

extension Resampler {
    /// Pillow's resize with the passes on the process's CPU path: `CAMKIT_ISA=generic` forces
    /// their scalar loops as well as the engine's, so each path can be tested on one machine.
    init(filter: Filter, path: CPUPath = .active) {
        let level: Level
        switch path {
        case .avx512: level = .avx512
        case .avx2: level = .avx2
        case .generic: level = .scalar
        }
        self.init(filter: filter, level: level)
    }
}
