import CAMKit
/// One explained class of one photo.
public struct ExplainedClass: Codable, Sendable, Equatable {
    public var index: Int
    public var label: String
    /// Path of the overlay PNG, relative to the output folder.
    public var overlay: String?
    /// Path of the raw map `.npy`, when saved.
    public var raw: String?
    public var box: Box?
    public var peak: [Int]?
    public var flat: Bool
    /// Share of the positive map mass inside the box.
    public var massInBox: Float?

    enum CodingKeys: String, CodingKey { case index, label, overlay, raw, box, peak, flat, massInBox = "mass_in_box" }
}
