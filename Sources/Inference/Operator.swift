/// An elementwise activation, standalone or fused into a convolution's epilogue.
public enum Activation: Sendable, Equatable {
    case relu
    case leakyRelu(alpha: Float)
    case clip(min: Float, max: Float)
    case sigmoid
    case hardSigmoid(alpha: Float, beta: Float)
    case hardSwish
    case tanh
    /// x · sigmoid(x), fused from Mul(x, Sigmoid(x)).
    case silu
    /// The error function (GELU's exact form is x·(1 + erf(x/√2))/2).
    case erf
    /// x·Φ(x) = x/2·(1 + erf(x/√2)), exact (not the tanh approximation); a GELU written out in
    /// full becomes one at load (`GraphRewriter+GELU.swift`).
    case gelu
}

extension Activation {
    /// The ONNX operator's name ("Clip" for ReLU6), for listings.
    public var onnxName: String {
        switch self {
        case .relu: return "Relu"
        case .leakyRelu: return "LeakyRelu"
        case .clip: return "Clip"
        case .sigmoid: return "Sigmoid"
        case .hardSigmoid: return "HardSigmoid"
        case .hardSwish: return "HardSwish"
        case .tanh: return "Tanh"
        case .silu: return "SiLU"
        case .erf: return "Erf"
        case .gelu: return "Gelu"
        }
    }
}

/// Spatial attributes shared by Conv and the pools (2-D only: NCHW).
public struct WindowAttributes: Sendable, Equatable {
    /// How padding is chosen when no explicit pads are given.
    public enum AutoPad: String, Sendable { case notSet = "NOTSET", sameUpper = "SAME_UPPER", sameLower = "SAME_LOWER", valid = "VALID" }
    public var kernel: [Int]            // [kh, kw]; empty for Conv = from the weights
    public var strides: [Int] = [1, 1]
    public var dilations: [Int] = [1, 1]
    /// [top, left, bottom, right]
    public var pads: [Int] = [0, 0, 0, 0]
    public var autoPad: AutoPad = .notSet
    public var ceilMode = false

    public init(kernel: [Int] = []) { self.kernel = kernel }
}

/// Convolution: inputs X, W, optional B.
public struct ConvAttributes: Sendable, Equatable {
    public var window: WindowAttributes
    public var group: Int
    /// Applied to the output in the same pass (load-time fusion).
    public var activation: Activation?

    public init(window: WindowAttributes, group: Int, activation: Activation? = nil) {
        self.window = window
        self.group = group
        self.activation = activation
    }
}

/// Binary elementwise arithmetic with NumPy broadcasting.
public enum BinaryOp: String, Sendable { case add, sub, mul, div }

/// Comparisons (results are ONNX booleans, held as 0/1 integers).
public enum CompareOp: String, Sendable { case equal, less, greater }

/// Reductions over axes.
public enum ReduceOp: String, Sendable { case mean, sum, max }

/// Pad modes.
public enum PadMode: String, Sendable { case constant, reflect, edge }

/// One operation of the graph, with its attributes. Inputs that ONNX allows as tensors
/// (Reshape's shape, Pad's pads, Clip's bounds, axes…) stay graph inputs and are resolved
/// from constants when the plan is made.
public enum Operator: Sendable, Equatable {
    case conv(ConvAttributes)
    case batchNormalization(epsilon: Float)
    /// Normalisation over the axes from `axis` on, then scale and bias (inputs 1 and 2).
    case layerNormalization(axis: Int, epsilon: Float)
    case activation(Activation)
    /// Clip whose bounds may come from inputs 1 and 2 (opset ≥ 11).
    case clip(min: Float?, max: Float?)
    case prelu
    case softmax(axis: Int, coerced2D: Bool)
    case logSoftmax(axis: Int, coerced2D: Bool)
    case binary(BinaryOp)
    case sum
    case concat(axis: Int)
    /// Split sizes from the attribute, input 1, or equal parts.
    case split(axis: Int, sizes: [Int]?)
    /// Slice with attribute form (opset < 10) or inputs starts, ends, axes, steps.
    case slice(starts: [Int]?, ends: [Int]?, axes: [Int]?)
    /// Pads from the attribute (ONNX order: all begins then all ends) or input 1; value from attribute or input 2.
    case pad(mode: PadMode, pads: [Int]?, value: Float)
    case maxPool(WindowAttributes)
    case averagePool(WindowAttributes, countIncludePad: Bool)
    case globalAveragePool
    case globalMaxPool
    /// axes from the attribute or input 1 (nil = all, unless noopWithEmptyAxes).
    case reduce(ReduceOp, axes: [Int]?, keepDims: Bool, noopWithEmptyAxes: Bool)
    case flatten(axis: Int)
    case reshape(allowZero: Bool)
    case transpose(perm: [Int]?)
    case squeeze(axes: [Int]?)
    case unsqueeze(axes: [Int]?)
    case gemm(alpha: Float, beta: Float, transA: Bool, transB: Bool)
    case matMul
    case identity
    case shape(start: Int, end: Int?)
    case gather(axis: Int)
    /// Cast to float (`toFloat`) or to an integer type.
    case cast(toFloat: Bool)
    case constantOfShape(ConstantValue?)
    case range
    /// Equal, Less, Greater: 0/1 integers (ONNX booleans), with broadcasting.
    case compare(CompareOp)
    case not
    /// Where(condition, x, y), the three broadcast together.
    case `where`
    /// Mod, integer (Python's sign) or C's fmod.
    case mod(fmod: Bool)
    case scatterND
    /// Expand(x, shape): x broadcast to the shape.
    case expand
    case pow
    case sqrt

    /// The ONNX-style name, for messages and profiles.
    public var name: String {
        switch self {
        case .conv(let a): return a.activation.map { "Conv+" + $0.onnxName } ?? "Conv"
        case .batchNormalization: return "BatchNormalization"
        case .layerNormalization: return "LayerNormalization"
        case .activation(let a): return "\(a)"
        case .clip: return "Clip"
        case .prelu: return "PRelu"
        case .softmax: return "Softmax"
        case .logSoftmax: return "LogSoftmax"
        case .binary(let op): return op.rawValue.capitalized
        case .sum: return "Sum"
        case .concat: return "Concat"
        case .split: return "Split"
        case .slice: return "Slice"
        case .pad: return "Pad"
        case .maxPool: return "MaxPool"
        case .averagePool: return "AveragePool"
        case .globalAveragePool: return "GlobalAveragePool"
        case .globalMaxPool: return "GlobalMaxPool"
        case .reduce(let op, _, _, _): return "Reduce" + op.rawValue.capitalized
        case .flatten: return "Flatten"
        case .reshape: return "Reshape"
        case .transpose: return "Transpose"
        case .squeeze: return "Squeeze"
        case .unsqueeze: return "Unsqueeze"
        case .gemm: return "Gemm"
        case .matMul: return "MatMul"
        case .identity: return "Identity"
        case .shape: return "Shape"
        case .gather: return "Gather"
        case .cast: return "Cast"
        case .constantOfShape: return "ConstantOfShape"
        case .range: return "Range"
        case .compare(let op): return op.rawValue.capitalized
        case .not: return "Not"
        case .where: return "Where"
        case .mod: return "Mod"
        case .scatterND: return "ScatterND"
        case .expand: return "Expand"
        case .pow: return "Pow"
        case .sqrt: return "Sqrt"
        }
    }
}

extension String {
    var capitalized: String { prefix(1).uppercased() + dropFirst() }
}
