@testable import CAMKit
import Foundation
import Inference
import Testing
import TestSupport

/// Ablation-CAM on heads that are not linear after the pool (MobileNetV3's Gemm → HardSwish →
/// Gemm, the LayerNorm → Gemm head), where camkit evaluates its head program once per ablated
/// channel, against onnxruntime running the same head cut out of the model
/// (Scripts/fixtures/make_ablation_fixtures.py), on the committed PyTorch features.
@Suite("methods: Ablation-CAM on non-linear heads")
struct AblationHeadTests {
    static let cases = [
        ("onnx/mobilenet_v3_small.onnx", "methods/mobilenet_v3_small.input"),
        ("layernorm_head/resnet18_layernorm_head.onnx", "layernorm_head/resnet18_layernorm_head.input"),
    ]

    @Test(arguments: cases.map(\.1))
    func weightsAndRawMapMatchOnnxruntime(stem: String) throws {
        let model = try #require(Self.cases.first { $0.1 == stem }).0
        let classifier = try Classifier(modelPath: Fixtures.path(model))
        #expect(classifier.head.program != nil, "the head must be non-linear for this test to mean anything")
        let features = try Fixtures.npy(stem + ".features.npy").tensor()
        let cls = try Fixtures.json(stem + ".ablation_zero.json")["class"] as! Int
        let input = MethodInput(features: Tensor(shape: Array(features.shape.suffix(3)), data: features.data), logits: [],
                                head: classifier.head, classIndex: cls)
        let weights = try AblationCAM.weights(input)
        let refWeights = try Fixtures.npy(stem + ".ablation_zero.weights.npy").floats()
        try requireCount(refWeights, atLeast: 64, "channels")
        #expect(weights.count == refWeights.count)
        // Measured: 4.6e-6 (MobileNetV3: its logit 0.048 divides float32 differences), 5.6e-7 (LayerNorm); bound 1e-4 (22×).
        #expect(within(relativeError(weights, refWeights), 1e-4, "ablationHead.weights.\(stem)"))
        let raw = try MethodMap.raw(.ablationcam, input).values
        let refRaw = try Fixtures.npy(stem + ".ablation_zero.raw.npy").floats()
        #expect(raw.count == refRaw.count)
        // Measured: 2.2e-5 (MobileNetV3), 1.2e-6 (LayerNorm); bound 1e-4 (4.5×).
        #expect(within(relativeError(raw, refRaw), 1e-4, "ablationHead.raw.\(stem)"))
    }
}
