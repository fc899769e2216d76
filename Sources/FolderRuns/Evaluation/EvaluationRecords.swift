import CAMKit
import Foundation

/// The evaluation of one annotated photo.
public struct ImageEvaluation: Codable, Sendable {
    public var file: String
    public var status = RecordStatus.ok
    public var error: String?
    /// Ground-truth label (the first object's) and its class index, when the model has it.
    public var label: String?
    public var gtClass: Int?
    public var top1: Int?
    public var top1Label: String?
    /// τ-box of the top-1 class's map and its best IoU with a ground-truth box.
    public var box: Box?
    public var iou: Double?
    /// τ-box of the ground-truth class's map and its best IoU.
    public var gtBox: Box?
    public var gtIoU: Double?
    public var top1Localised: Bool?
    public var gtKnownLocalised: Bool?
    /// Best IoU at each of BoxAccuracy.thresholds, on the ground-truth class's map.
    public var bestIoUs: [Double]?
    public var deletion: Faithfulness.Curve?
    public var insertion: Faithfulness.Curve?
    public var confidence: Double?
    public var maskedConfidence: Double?
    /// The picture of this photo's evaluation, relative to the output folder.
    public var overlay: String?

    public init(file: String, failure: String? = nil) {
        self.file = file
        if let failure { status = .error; error = failure }
    }

    enum CodingKeys: String, CodingKey {
        case file, status, error, label, box, iou, deletion, insertion, confidence, overlay
        case gtClass = "gt_class", top1, top1Label = "top1_label", gtBox = "gt_box", gtIoU = "gt_iou"
        case top1Localised = "top1_loc", gtKnownLocalised = "gt_known_loc", bestIoUs = "best_iou_by_threshold"
        case maskedConfidence = "masked_confidence"
    }
}

/// What a whole evaluation found.
public struct EvaluationSummary: Codable, Sendable {
    public var images: Int
    public var evaluated: Int
    public var failed: Int
    public var top1Accuracy: Double
    public var top1Localisation: Double
    public var gtKnownLocalisation: Double
    public var maxBoxAccV2: Double
    public var boxAccuracy: [String: Double]
    public var bestThreshold: [String: Double]
    public var deletionAUC: Double?
    public var insertionAUC: Double?
    public var averageDrop: Double?
    public var increase: Double?
    /// Mean curves resampled to steps + 1 points.
    public var meanDeletion: [Double]?
    public var meanInsertion: [Double]?

    enum CodingKeys: String, CodingKey {
        case images, evaluated, failed, increase
        case top1Accuracy = "top1_accuracy", top1Localisation = "top1_loc", gtKnownLocalisation = "gt_known_loc"
        case maxBoxAccV2 = "max_box_acc_v2", boxAccuracy = "max_box_acc", bestThreshold = "best_threshold"
        case deletionAUC = "deletion_auc", insertionAUC = "insertion_auc", averageDrop = "average_drop"
        case meanDeletion = "mean_deletion", meanInsertion = "mean_insertion"
    }
}
