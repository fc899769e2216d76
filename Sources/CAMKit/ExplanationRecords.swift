import ImageIO
import Inference

/// One prediction.
public struct Prediction: Codable, Sendable, Equatable {
    public var index: Int
    public var label: String
    public var probability: Float
    public var logit: Float
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
