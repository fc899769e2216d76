/// Colour tables that turn a map value in [0, 1] into RGB.
public enum Colormap: String, Sendable, CaseIterable, Codable {
    /// OpenCV's COLORMAP_JET, the CAM paper's look.
    case jet
    case turbo
    case viridis
    case inferno
    case magma
    case gray

    /// 256 RGB triples, interleaved.
    public var table: [UInt8] {
        switch self {
        case .jet: return ColormapTables.jet
        case .turbo: return ColormapTables.turbo
        case .viridis: return ColormapTables.viridis
        case .inferno: return ColormapTables.inferno
        case .magma: return ColormapTables.magma
        case .gray: return (0..<768).map { UInt8($0 / 3) }
        }
    }

    /// Every colormap's table by name, for pages that draw overlays themselves.
    public static var tablesByName: [String: [UInt8]] {
        Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0.table) })
    }
}
