import CAMKit
import Foundation
import Inference
import Testing
import TestSupport

/// CAMKit checks its inputs at its public boundary and names the cause (issue: errors that say
/// the wrong thing).
@Suite("CAMKit boundary errors")
struct BoundaryErrorTests {
    static let model = Command.repository + "/Samples/models/efficientnet_lite0.onnx"

    func input(classIndex: Int) throws -> MethodInput {
        let classifier = try Classifier(modelPath: Self.model)
        let x = Tensor(shape: [1, 3, 64, 64], data: [Float](repeating: 0.1, count: 3 * 64 * 64))
        let (logits, features, head) = try classifier.makeSession().run(x)
        return MethodInput(features: features, logits: logits, head: head, classIndex: classIndex)
    }

    @Test func classOutsideTheLogitsIsBadClass() throws {
        for method in CAMMethod.allCases {
            #expect(throws: CAMError.badClass("1000", classes: 1000), "\(method)") { try MethodMap.raw(method, try input(classIndex: 1000)) }
            #expect(throws: CAMError.badClass("-1", classes: 1000), "\(method)") { try MethodMap.raw(method, try input(classIndex: -1)) }
        }
    }

    @Test func scoreCAMWithoutAForwardPassIsAnAPIMisuse() throws {
        #expect(throws: CAMError.methodNeedsForwardPass(method: "scorecam")) { try MethodMap.raw(.scorecam, try input(classIndex: 3)) }
    }
}
