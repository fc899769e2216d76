import ImageIO
import Inference

/// One prediction.
public struct Prediction: Codable, Sendable, Equatable {
    public var index: Int
    public var label: String
    public var probability: Float
    public var logit: Float
}

/// One explained class of one photo.
public struct ExplainedClass: Codable, Sendable, Equatable {
    public var index: Int
    public var label: String
    /// Path of the overlay PNG, relative to the output folder.
    public var overlay: String?
    /// Path of the raw map `.npy`, when saved.
    public var raw: String?
    public var box: [Int]?
    public var peak: [Int]?
    public var flat: Bool
    /// Share of the positive map mass inside the box.
    public var massInBox: Float?

    enum CodingKeys: String, CodingKey { case index, label, overlay, raw, box, peak, flat, massInBox = "mass_in_box" }
}

/// What camkit computed for one photo, before anything is written.
public struct PhotoExplanation: Sendable {
    public var photo: RGBImage
    public var geometry: Geometry
    public var predictions: [Prediction]
    public var maps: [ClassMap]
}

/// The map of one explained class, placed on the photo, with its box.
public struct ClassMap: Sendable {
    public var index: Int
    public var raw: ClassActivationMap
    public var photoMap: PhotoMap
    public var flat: Bool
    public var localisation: Localisation
    public var massInBox: Float?
}
