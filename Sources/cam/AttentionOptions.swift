import ArgumentParser
import CAMKit

/// rollout's knobs: one option group for `explain`, `inspect` and `eval`.
struct AttentionOptions: ParsableArguments {
    @Option(name: .customLong("head-fusion"), help: "rollout: how a layer's attention heads become one matrix.") var headFusion: AttentionRollout.HeadFusion = .mean
    @Option(name: .customLong("discard-ratio"), help: "rollout: the share of each layer's smallest attention weights set to 0.") var discardRatio: Float = 0.9

    func validate() throws {
        try OptionChecks.check("discard-ratio", discardRatio, in: 0...0.99)
    }

    var options: AttentionRollout.Options {
        var o = AttentionRollout.Options()
        o.headFusion = headFusion
        o.discardRatio = discardRatio
        return o
    }
}
