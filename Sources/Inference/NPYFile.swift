/// Reads and writes NumPy `.npy` files (format 1.0–3.0, little-endian, C order): the exchange
/// format of `cam run` and of the test fixtures. Hand-written: the format is a short text header
/// and raw data, and no Swift package on the machine reads it.
public enum NPYFile {
    /// Element types camkit reads.
    public enum DType: String, Sendable {
        case float32 = "<f4"
        case float64 = "<f8"
        case uint8 = "|u1"
        case int64 = "<i8"
        case int32 = "<i4"
        case bool = "|b1"

        var size: Int {
            switch self {
            case .float32, .int32: return 4
            case .float64, .int64: return 8
            case .uint8, .bool: return 1
            }
        }
    }

    /// A decoded array: the shape, the type, and the raw little-endian element bytes.
    public struct Array: Sendable {
        public var shape: [Int]
        public var dtype: DType
        public var bytes: [UInt8]

        /// The elements converted to Float.
        public func floats() -> [Float] {
            let n = shape.elementCount
            var out = [Float](repeating: 0, count: n)
            bytes.withUnsafeBytes { raw in
                for i in 0..<n {
                    switch dtype {
                    case .float32: out[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self).littleEndian)
                    case .float64: out[i] = Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self).littleEndian))
                    case .uint8, .bool: out[i] = Float(raw[i])
                    case .int64: out[i] = Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
                    case .int32: out[i] = Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
                    }
                }
            }
            return out
        }

        /// The elements as UInt8 (only for `|u1` data).
        public func uint8s() -> [UInt8] { bytes }

        /// The array as a float tensor.
        public func tensor() -> Tensor { Tensor(shape: shape, data: floats()) }
    }

    /// Why an `.npy` could not be read.
    public enum NPYError: Error, Equatable, Sendable, CustomStringConvertible {
        case badMagic
        case badHeader(String)
        case unsupportedDType(String)
        case fortranOrder
        case truncated(expected: Int, found: Int)
        /// The header's shape multiplies to more elements than camkit handles (or than an Int holds).
        case tooLarge(shape: String, limit: Int)

        public var description: String {
            switch self {
            case let .tooLarge(shape, limit): return "shape \(shape) has more than \(limit) elements"
            case .badMagic: return "not a .npy file (bad magic bytes)"
            case .badHeader(let h): return "malformed .npy header: \(h)"
            case .unsupportedDType(let d): return "unsupported .npy dtype \(d) (expected <f4, <f8, |u1, <i4 or <i8)"
            case .fortranOrder: return "Fortran-order .npy arrays are not supported"
            case let .truncated(expected, found): return ".npy data truncated: expected \(expected) bytes, found \(found)"
            }
        }
    }

    /// Parses `.npy` bytes.
    public static func parse(_ bytes: [UInt8]) throws(NPYError) -> Array {
        guard bytes.count >= 10, bytes[0] == 0x93, bytes[1...5].elementsEqual(Swift.Array("NUMPY".utf8)) else { throw .badMagic }
        let major = bytes[6]
        let headerLength: Int
        let start: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            start = 10
        } else if major == 2 || major == 3, bytes.count >= 12 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            start = 12
        } else {
            throw .badHeader("version \(major)")
        }
        guard start + headerLength <= bytes.count else { throw .badHeader("header longer than file") }
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        guard let descr = value(of: "descr", in: header) else { throw .badHeader(header) }
        let descrText = descr.trimmingCharacters(in: "'\" ")
        guard let dtype = DType(rawValue: descrText == "<u1" ? "|u1" : descrText) else { throw .unsupportedDType(descrText) }
        if let fortran = value(of: "fortran_order", in: header), fortran.contains("True") { throw .fortranOrder }
        guard let shapeText = value(of: "shape", in: header) else { throw .badHeader(header) }
        let shape = try parseShape(shapeText)
        // Multiplied with overflow checks: a hostile header must not wrap the byte count.
        var elements = 1
        for d in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: d)
            guard !overflow, product <= maxElements else { throw .tooLarge(shape: shapeText, limit: maxElements) }
            elements = product
        }
        let dataStart = start + headerLength
        let needed = elements * dtype.size
        guard bytes.count - dataStart >= needed else { throw .truncated(expected: needed, found: bytes.count - dataStart) }
        return Array(shape: shape, dtype: dtype, bytes: Swift.Array(bytes[dataStart..<(dataStart + needed)]))
    }

    static func value(of key: String, in header: String) -> String? {
        let needle = Swift.Array("'\(key)'")
        let chars = Swift.Array(header)
        guard needle.count <= chars.count,
              let at = (0...(chars.count - needle.count)).first(where: { Swift.Array(chars[$0..<($0 + needle.count)]) == needle })
        else { return nil }
        var rest = Substring(String(chars[(at + needle.count)...])).drop { $0 == ":" || $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[rest.startIndex...close])
        }
        if let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) { rest = rest[..<end] }
        return String(rest)
    }

    /// The most elements an array may have: the engine's tensor limit, 2^30.
    public static let maxElements = 1 << 30

    static func parseShape(_ text: String) throws(NPYError) -> [Int] {
        let inner = text.trimmingCharacters(in: "() ")
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let trimmed = String(part).trimmingCharacters(in: " L")
            if trimmed.isEmpty { continue }
            guard let v = Int(trimmed), v >= 0 else { throw .badHeader("shape \(text)") }
            shape.append(v)
        }
        return shape
    }

    /// The `.npy` (format 1.0) bytes of a float32 tensor.
    public static func encode(_ tensor: Tensor) -> [UInt8] {
        let shapeText = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Swift.Array("NUMPY".utf8) + [1, 0]
        let length = header.utf8.count
        out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        out += Swift.Array(header.utf8)
        out.reserveCapacity(out.count + tensor.count * 4)
        for v in tensor.data {
            let bits = v.bitPattern.littleEndian
            out += [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)]
        }
        return out
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
