/// A dense float32 tensor in row-major (C) order; image tensors are NCHW.
public struct Tensor: Sendable, Equatable {
    /// Extent of each axis.
    public var shape: [Int]
    /// `shape.product` elements.
    public var data: [Float]

    /// Wraps data; its count must match the shape.
    public init(shape: [Int], data: [Float]) {
        precondition(data.count == shape.elementCount, "Tensor: \(data.count) values for shape \(shape)")
        self.shape = shape
        self.data = data
    }

    /// A zero-filled tensor.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: 0, count: shape.elementCount))
    }

    /// Number of elements.
    public var count: Int { data.count }
}

/// A dense int64 tensor: shapes, axes, indices and pads computed by shape-only subgraphs.
public struct IntTensor: Sendable, Equatable {
    /// Extent of each axis.
    public var shape: [Int]
    /// `shape.product` elements.
    public var data: [Int64]

    /// Wraps data; its count must match the shape.
    public init(shape: [Int], data: [Int64]) {
        precondition(data.count == shape.elementCount, "IntTensor: \(data.count) values for shape \(shape)")
        self.shape = shape
        self.data = data
    }
}

/// A value known before any image is seen: a weight, or the result of folding a constant subgraph.
public enum ConstantValue: Sendable, Equatable {
    case float(Tensor)
    case int(IntTensor)

    /// The value's shape.
    public var shape: [Int] {
        switch self {
        case .float(let t): return t.shape
        case .int(let t): return t.shape
        }
    }

    /// The elements as Int64 (floats truncated), for attribute-like inputs.
    public var int64s: [Int64] {
        switch self {
        case .float(let t): return t.data.map { Int64($0) }
        case .int(let t): return t.data
        }
    }

    /// The elements as Float.
    public var floats: [Float] {
        switch self {
        case .float(let t): return t.data
        case .int(let t): return t.data.map { Float($0) }
        }
    }
}

extension Array where Element == Int {
    /// Product of the extents: the element count of a tensor of this shape.
    public var elementCount: Int { reduce(1, *) }

    /// Row-major strides for this shape.
    public var rowMajorStrides: [Int] {
        var strides = [Int](repeating: 1, count: count)
        var acc = 1
        for axis in stride(from: count - 1, through: 0, by: -1) {
            strides[axis] = acc
            acc *= self[axis]
        }
        return strides
    }
}
