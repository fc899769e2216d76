import Inference
#if canImport(Glibc)
import Glibc
#endif

/// Converts TensorProto payloads (raw_data or typed fields, float16 upcast, external files) to constants.
enum TensorDecoding {
    static func decode(_ t: TensorProto, modelFolder: String?) throws(ONNXError) -> ConstantValue {
        var dims: [Int] = []
        for d in t.dims {
            guard d >= 0, d < Int64(Int32.max) else { throw .badTensor(tensor: t.name, detail: "dimension \(d)") }
            dims.append(Int(d))
        }
        var count = 1
        for d in dims {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, p <= 1 << 31 else { throw .badTensor(tensor: t.name, detail: "too many elements for shape \(dims)") }
            count = p
        }
        var raw = t.rawData
        if t.dataLocation == 1 { raw = ArraySlice(try readExternal(t, modelFolder: modelFolder)) }
        let type = Int(t.dataType)
        let size: Int
        switch type {
        case 1, 6, 12: size = 4
        case 10, 5, 4: size = 2
        case 11, 7, 13: size = 8
        case 9, 2, 3: size = 1
        default: throw .unsupportedDataType(tensor: t.name, dataType: type)
        }
        let typedEmpty = t.floatData.isEmpty && t.int32Data.isEmpty && t.int64Data.isEmpty && t.doubleData.isEmpty && t.uint64Data.isEmpty
        if !raw.isEmpty || typedEmpty {
            guard raw.count == count * size else { throw .badTensor(tensor: t.name, detail: "raw data has \(raw.count) bytes, shape \(dims) needs \(count * size)") }
            return raw.withUnsafeBytes { buf -> ConstantValue in
                func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T { T(littleEndian: buf.loadUnaligned(fromByteOffset: i * size, as: T.self)) }
                switch type {
                case 1:
                    // Filled straight from the payload: no zeroing pass over the model's weights first.
                    let data = [Float](unsafeUninitializedCapacity: count) { out, initialized in
                        HugePages.advise(out.baseAddress, byteCount: count * 4)
                        if count > 0 { UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: buf[0..<(count * 4)])) }
                        initialized = count
                    }
                    return .float(Tensor(shape: dims, data: data))
                case 10: return .float(Tensor(shape: dims, data: (0..<count).map { Float(Float16(bitPattern: load(UInt16.self, $0))) }))
                case 11: return .float(Tensor(shape: dims, data: (0..<count).map { Float(Double(bitPattern: load(UInt64.self, $0))) }))
                case 7: return .int(IntTensor(shape: dims, data: (0..<count).map { load(Int64.self, $0) }))
                case 13: return .int(IntTensor(shape: dims, data: (0..<count).map { Int64(bitPattern: load(UInt64.self, $0)) }))
                case 6: return .int(IntTensor(shape: dims, data: (0..<count).map { Int64(load(Int32.self, $0)) }))
                case 12: return .int(IntTensor(shape: dims, data: (0..<count).map { Int64(load(UInt32.self, $0)) }))
                case 5: return .int(IntTensor(shape: dims, data: (0..<count).map { Int64(load(Int16.self, $0)) }))
                case 4: return .int(IntTensor(shape: dims, data: (0..<count).map { Int64(load(UInt16.self, $0)) }))
                case 3: return .int(IntTensor(shape: dims, data: (0..<count).map { Int64(Int8(bitPattern: buf[$0])) }))
                default: return .int(IntTensor(shape: dims, data: (0..<count).map { Int64(buf[$0]) }))
                }
            }
        }
        func check(_ n: Int) throws(ONNXError) {
            guard n == count else { throw .badTensor(tensor: t.name, detail: "\(n) values for shape \(dims)") }
        }
        switch type {
        case 1: try check(t.floatData.count); return .float(Tensor(shape: dims, data: t.floatData))
        case 10:
            try check(t.int32Data.count)
            return .float(Tensor(shape: dims, data: t.int32Data.map { Float(Float16(bitPattern: UInt16(truncatingIfNeeded: $0))) }))
        case 11: try check(t.doubleData.count); return .float(Tensor(shape: dims, data: t.doubleData.map { Float($0) }))
        case 7: try check(t.int64Data.count); return .int(IntTensor(shape: dims, data: t.int64Data))
        case 13, 12:
            try check(t.uint64Data.count); return .int(IntTensor(shape: dims, data: t.uint64Data.map { Int64(bitPattern: $0) }))
        default: try check(t.int32Data.count); return .int(IntTensor(shape: dims, data: t.int32Data.map { Int64($0) }))
        }
    }

    /// Reads an external data file, which must lie inside the model's folder.
    static func readExternal(_ t: TensorProto, modelFolder: String?) throws(ONNXError) -> [UInt8] {
        var location: String?, offset = 0, length: Int?
        for entry in t.externalData {
            switch entry.key {
            case "location": location = entry.value
            case "offset": offset = Int(entry.value) ?? -1
            case "length": length = Int(entry.value)
            default: break
            }
        }
        guard let location, !location.isEmpty else { throw .externalData(tensor: t.name, detail: "has no location") }
        guard let folder = modelFolder else { throw .externalData(tensor: t.name, detail: "needs the model's folder") }
        let parts = location.split(separator: "/", omittingEmptySubsequences: true)
        guard !location.hasPrefix("/"), !parts.contains(".."), !location.contains("\\"), offset >= 0 else {
            throw .externalData(tensor: t.name, detail: "location '\(location)' leaves the model's folder")
        }
        let path = folder + "/" + location
        var resolved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        var resolvedFolder = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard realpath(path, &resolved) != nil, realpath(folder, &resolvedFolder) != nil else {
            throw .externalData(tensor: t.name, detail: "file '\(path)' cannot be opened")
        }
        let real = String(decoding: resolved.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let realFolder = String(decoding: resolvedFolder.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard real.hasPrefix(realFolder + "/") else { throw .externalData(tensor: t.name, detail: "'\(location)' resolves outside the model's folder") }
        guard let fp = fopen(real, "rb") else { throw .externalData(tensor: t.name, detail: "file '\(path)' cannot be opened") }
        defer { fclose(fp) }
        fseek(fp, 0, SEEK_END)
        let size = ftell(fp)
        let n = length ?? (size - offset)
        guard n >= 0, offset + n <= size else { throw .externalData(tensor: t.name, detail: "offset \(offset)+\(n) beyond the file's \(size) bytes") }
        fseek(fp, offset, SEEK_SET)
        var bytes = [UInt8](repeating: 0, count: n)
        let read = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, n, fp) }
        guard read == n else { throw .externalData(tensor: t.name, detail: "short read") }
        return bytes
    }
}
