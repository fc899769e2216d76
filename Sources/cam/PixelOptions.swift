import ArgumentParser
import CAMKit

/// The pixel attributions' knobs (integratedgradients, smoothgrad, occlusion, rise): one option
/// group for `explain`, `inspect` and `eval`.
struct PixelOptions: ParsableArguments {
    @Option(name: .customLong("ig-steps"), help: "integratedgradients: points on the path from the baseline (trapezoid rule).") var igSteps = 32
    @Option(name: .customLong("ig-baseline"), help: "integratedgradients: the path's start.") var igBaseline: PixelAttribution.Baseline = .black
    @Option(name: .customLong("smooth-samples"), help: "smoothgrad: noisy copies averaged.") var smoothSamples = 16
    @Option(name: .customLong("smooth-noise"), help: "smoothgrad: noise σ as a fraction of the input's value range.") var smoothNoise: Float = 0.15
    @Option(help: "smoothgrad and rise: the random seed (the same seed gives the same map).") var seed: UInt64 = 0
    @Option(name: .customLong("occlusion-window"), help: "occlusion: the square window set to 0, in model-input pixels.") var occlusionWindow = 32
    @Option(name: .customLong("occlusion-stride"), help: "occlusion: the window's step (at most the window, so that every pixel is covered).") var occlusionStride = 16
    @Option(name: .customLong("rise-masks"), help: "rise: random masks (forward passes).") var riseMasks = 1000
    @Option(name: .customLong("rise-cells"), help: "rise: cells per side of each mask's random grid.") var riseCells = 7
    @Option(name: .customLong("rise-keep"), help: "rise: the share of cells a mask keeps.") var riseKeep: Float = 0.5

    func validate() throws {
        try OptionChecks.check("ig-steps", igSteps, in: 2...4096)
        try OptionChecks.check("smooth-samples", smoothSamples, in: 1...4096)
        try OptionChecks.check("smooth-noise", smoothNoise, in: 0...10)
        try OptionChecks.check("occlusion-window", occlusionWindow, in: 1...4096)
        try OptionChecks.check("occlusion-stride", occlusionStride, in: 1...occlusionWindow)
        try OptionChecks.check("rise-masks", riseMasks, in: 1...100_000)
        try OptionChecks.check("rise-cells", riseCells, in: 1...256)
        try OptionChecks.check("rise-keep", riseKeep, in: 0.01...1)
    }

    var options: PixelAttribution.Options {
        var o = PixelAttribution.Options()
        o.steps = igSteps
        o.baseline = igBaseline
        o.samples = smoothSamples
        o.noise = smoothNoise
        o.seed = seed
        o.occlusionWindow = occlusionWindow
        o.occlusionStride = occlusionStride
        o.riseMasks = riseMasks
        o.riseCells = riseCells
        o.riseKeep = riseKeep
        return o
    }
}
