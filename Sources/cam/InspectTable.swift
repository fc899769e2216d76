import CAMKit

/// `cam inspect --json`: the table as data, one object.
struct InspectTable: Encodable {
    let photo: String
    let width: Int, height: Int
    /// What the rows compare: "classes", "methods" or "layers".
    let comparing: String
    let grid: String
    let rows: [InspectRow]
}

/// One row of `cam inspect`'s table: a class (with its rank), a method (with its time) or a
/// layer, and the map's box, peak and share of mass in the box. Absent fields are left out.
struct InspectRow: Encodable {
    var rank: Int?
    let index: Int, label: String, probability: Float, logit: Float
    var method: String?
    var layer: String?
    /// The map's own resolution, [width, height].
    let map: [Int]
    let box: [Int]?, peak: [Int]?
    let massInBox: Float?
    let flat: Bool
    var ms: Double?

    enum CodingKeys: String, CodingKey {
        case rank, index, label, probability, logit, method, layer, map, box, peak, massInBox = "mass_in_box", flat, ms
    }

    init(map m: ClassMap, rank: Int? = nil, index: Int, label: String, probability: Float, logit: Float,
         method: String? = nil, layer: String? = nil, ms: Double? = nil) {
        self.rank = rank
        self.index = index
        self.label = label
        self.probability = probability
        self.logit = logit
        self.method = method
        self.layer = layer
        map = [m.raw.width, m.raw.height]
        box = m.localisation.box?.values
        peak = m.localisation.peak
        massInBox = m.massInBox
        flat = m.flat
        self.ms = ms
    }
}
