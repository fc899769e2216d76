/// An inclusive pixel rectangle: columns x0…x1, rows y0…y1. On disk (results.jsonl, eval.json)
/// it stays a JSON array `[x0, y0, x1, y1]`.
public struct Box: Sendable, Hashable, Codable, ExpressibleByArrayLiteral, CustomStringConvertible {
    public var x0: Int, y0: Int, x1: Int, y1: Int

    public init(x0: Int, y0: Int, x1: Int, y1: Int) {
        (self.x0, self.y0, self.x1, self.y1) = (x0, y0, x1, y1)
    }

    /// `[x0, y0, x1, y1]`, for literals in code and tests.
    public init(arrayLiteral values: Int...) {
        precondition(values.count == 4, "a box is four integers [x0, y0, x1, y1]")
        self.init(x0: values[0], y0: values[1], x1: values[2], y1: values[3])
    }

    /// Four integers [x0, y0, x1, y1], or nil for any other count.
    public init?(_ values: [Int]) {
        guard values.count == 4 else { return nil }
        self.init(x0: values[0], y0: values[1], x1: values[2], y1: values[3])
    }

    /// `[x0, y0, x1, y1]`.
    public var values: [Int] { [x0, y0, x1, y1] }
    public var width: Int { x1 - x0 + 1 }
    public var height: Int { y1 - y0 + 1 }
    public var description: String { "[\(x0), \(y0), \(x1), \(y1)]" }

    public init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        let values = try (0..<4).map { _ in try c.decode(Int.self) }
        guard c.isAtEnd else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "a box has four integers") }
        self.init(x0: values[0], y0: values[1], x1: values[2], y1: values[3])
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.unkeyedContainer()
        for v in values { try c.encode(v) }
    }
}
