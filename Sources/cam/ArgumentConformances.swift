import ArgumentParser
import CAMKit
import FolderRuns
import ImageIO

/// Option types parsed from their raw values.
extension ResizeMode: ExpressibleByArgument {}
extension CAMMethod: ExpressibleByArgument {}
extension Colormap: ExpressibleByArgument {}
extension PNGEncoder.Level: ExpressibleByArgument {}
extension OverlayFormat: ExpressibleByArgument {}
extension ModelSidecar.Preset: ExpressibleByArgument {}
extension PixelAttribution.Baseline: ExpressibleByArgument {}
extension AttentionRollout.HeadFusion: ExpressibleByArgument {}
