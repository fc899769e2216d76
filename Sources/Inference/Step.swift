/// One resolved kernel call of a plan: shapes fixed, attribute inputs folded.
enum Kernel {
    case conv(Conv2D)
    /// A convolution on oneDNN's native layout (see `Planner.adoptNativeKernels`).
    case nativeConv(NativeConvolution)
    /// Another oneDNN primitive on the native layout: a reorder to or from the plain layout,
    /// a pooling, a per-channel arithmetic.
    case native(NativeOp)
    case batchNorm(batch: Int, channels: Int, spatial: Int, scale: [Float], shift: [Float])
    case activation(Activation, count: Int)
    case layerNorm(rows: Int, size: Int, epsilon: Float, scale: [Float], bias: [Float])
    case binary(BinaryOp, a: [Int], b: [Int], out: [Int])
    case prelu(x: [Int], slope: [Int], out: [Int])
    case sum(shapes: [[Int]], out: [Int])
    case softmax(outer: Int, axis: Int, inner: Int, log: Bool)
    case concat(shapes: [[Int]], axis: Int)
    case split(shape: [Int], axis: Int, sizes: [Int])
    case slice(shape: [Int], axes: [Layout.SliceAxis])
    case pad(shape: [Int], pads: [Int], mode: PadMode, value: Float)
    case pool(Pool2D)
    case globalAverage(planes: Int, size: Int)
    case globalMax(planes: Int, size: Int)
    case reduce(ReduceOp, shape: [Int], axes: Set<Int>)
    case transpose(shape: [Int], perm: [Int])
    case gather(shape: [Int], axis: Int, indices: [Int])
    case gemm(m: Int, n: Int, k: Int, alpha: Float, beta: Float, transA: Bool, transB: Bool, cShape: [Int])
    case matMul(a: [Int], b: [Int])
}

/// A kernel with the buffers it reads and writes (indices into the plan's buffer table).
struct Step {
    var node: String
    var opName: String
    var kernel: Kernel
    var inputs: [Int]   // -1 for an absent optional input
    var outputs: [Int]
}
