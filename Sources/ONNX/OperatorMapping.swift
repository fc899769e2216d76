import Inference

/// Maps one ONNX node (at the model's opset) to an `Inference.Operator`, or reports it unsupported.
enum OperatorMapping {
    static func map(_ node: NodeProto, name: String, opset: Int) throws(ONNXError) -> Operator {
        let a = Attributes(node)
        func unsupported(_ detail: String) -> ONNXError { .unsupportedAttribute(op: node.opType, node: name, detail: detail) }
        func window(kernel: [Int]) throws(ONNXError) -> WindowAttributes {
            var w = WindowAttributes(kernel: kernel)
            let rank = kernel.isEmpty ? (a.ints("strides")?.count ?? 2) : kernel.count
            guard rank == 2 else { throw unsupported("\(rank)-D windows (only 2-D)") }
            w.strides = a.ints("strides") ?? [1, 1]
            w.dilations = a.ints("dilations") ?? [1, 1]
            w.pads = a.ints("pads") ?? [0, 0, 0, 0]
            guard w.strides.count == 2, w.dilations.count == 2, w.pads.count == 4,
                  w.strides.allSatisfy({ $0 > 0 }), w.dilations.allSatisfy({ $0 > 0 }), w.pads.allSatisfy({ $0 >= 0 }) else {
                throw unsupported("strides/dilations/pads \(w.strides) \(w.dilations) \(w.pads)")
            }
            if let s = a.string("auto_pad") {
                guard let mode = WindowAttributes.AutoPad(rawValue: s) else { throw unsupported("auto_pad \(s)") }
                w.autoPad = mode
            }
            w.ceilMode = a.int("ceil_mode", 0) != 0
            return w
        }
        switch node.opType {
        case "Conv":
            let kernel = a.ints("kernel_shape") ?? []
            if !kernel.isEmpty && kernel.count != 2 { throw unsupported("\(kernel.count)-D convolution (only 2-D)") }
            return .conv(ConvAttributes(window: try window(kernel: kernel), group: a.int("group", 1)))
        case "BatchNormalization":
            if a.int("training_mode", 0) != 0 || (opset < 7 && a.int("is_test", 0) == 0) { throw unsupported("training mode") }
            if opset < 7 && a.has("spatial") && a.int("spatial", 1) == 0 { throw unsupported("spatial=0") }
            return .batchNormalization(epsilon: a.float("epsilon", 1e-5))
        case "LayerNormalization":
            if a.int("stash_type", 1) != 1 { throw unsupported("stash_type \(a.int("stash_type", 1)) (only float)") }
            if node.outputs.count > 1 && node.outputs.dropFirst().contains(where: { !$0.isEmpty }) { throw unsupported("Mean/InvStdDev outputs") }
            return .layerNormalization(axis: a.int("axis", -1), epsilon: a.float("epsilon", 1e-5))
        case "Relu": return .activation(.relu)
        case "LeakyRelu": return .activation(.leakyRelu(alpha: a.float("alpha", 0.01)))
        case "Sigmoid": return .activation(.sigmoid)
        case "HardSigmoid": return .activation(.hardSigmoid(alpha: a.float("alpha", 0.2), beta: a.float("beta", 0.5)))
        case "HardSwish": return .activation(.hardSwish)
        case "Tanh": return .activation(.tanh)
        case "Erf": return .activation(.erf)
        case "Gelu":
            let approximate = a.string("approximate") ?? "none"
            guard approximate == "none" else { throw unsupported("approximate=\(approximate) (only the exact form)") }
            return .activation(.gelu)
        case "PRelu":
            if opset < 7 { throw unsupported("legacy PRelu (opset < 7)") }
            return .prelu
        case "Clip":
            if opset < 11 { return .clip(min: a.has("min") ? a.float("min", 0) : nil, max: a.has("max") ? a.float("max", 0) : nil) }
            return .clip(min: nil, max: nil)
        case "Softmax": return .softmax(axis: a.int("axis", opset < 13 ? 1 : -1), coerced2D: opset < 13)
        case "LogSoftmax": return .logSoftmax(axis: a.int("axis", opset < 13 ? 1 : -1), coerced2D: opset < 13)
        case "Add", "Sub", "Mul", "Div":
            if opset < 7 { throw unsupported("legacy broadcast attribute (opset < 7)") }
            return .binary(BinaryOp(rawValue: node.opType.lowercased())!)
        case "Sum": return .sum
        case "Concat": return .concat(axis: a.int("axis", 1))
        case "Split": return .split(axis: a.int("axis", 0), sizes: a.ints("split"))
        case "Slice":
            if opset < 10 { return .slice(starts: a.ints("starts") ?? [], ends: a.ints("ends") ?? [], axes: a.ints("axes")) }
            return .slice(starts: nil, ends: nil, axes: nil)
        case "Pad":
            let modeText = a.string("mode") ?? "constant"
            guard let mode = PadMode(rawValue: modeText) else { throw unsupported("pad mode \(modeText)") }
            if opset < 11 { return .pad(mode: mode, pads: a.ints("pads") ?? a.ints("paddings"), value: a.float("value", 0)) }
            return .pad(mode: mode, pads: nil, value: 0)
        case "MaxPool":
            if node.outputs.count > 1 && !node.outputs[1].isEmpty { throw unsupported("Indices output") }
            guard let k = a.ints("kernel_shape") else { throw unsupported("missing kernel_shape") }
            return .maxPool(try window(kernel: k))
        case "AveragePool":
            guard let k = a.ints("kernel_shape") else { throw unsupported("missing kernel_shape") }
            return .averagePool(try window(kernel: k), countIncludePad: a.int("count_include_pad", 0) != 0)
        case "GlobalAveragePool": return .globalAveragePool
        case "GlobalMaxPool": return .globalMaxPool
        case "ReduceMean", "ReduceSum", "ReduceMax":
            let op: ReduceOp = node.opType == "ReduceMean" ? .mean : node.opType == "ReduceSum" ? .sum : .max
            return .reduce(op, axes: a.ints("axes"), keepDims: a.int("keepdims", 1) != 0, noopWithEmptyAxes: a.int("noop_with_empty_axes", 0) != 0)
        case "Flatten": return .flatten(axis: a.int("axis", 1))
        case "Reshape":
            if opset < 5 { throw unsupported("Reshape with shape attribute (opset < 5)") }
            return .reshape(allowZero: a.int("allowzero", 0) != 0)
        case "Transpose": return .transpose(perm: a.ints("perm"))
        case "Squeeze": return .squeeze(axes: a.ints("axes"))
        case "Unsqueeze": return .unsqueeze(axes: a.ints("axes"))
        case "Gemm":
            return .gemm(alpha: a.float("alpha", 1), beta: a.float("beta", 1), transA: a.int("transA", 0) != 0, transB: a.int("transB", 0) != 0)
        case "MatMul": return .matMul
        case "Identity": return .identity
        case "Shape": return .shape(start: a.int("start", 0), end: a.has("end") ? a.int("end", 0) : nil)
        case "Gather": return .gather(axis: a.int("axis", 0))
        case "Cast":
            let to = a.int("to", 1)
            guard [1, 10, 11, 6, 7, 12, 13, 2, 3, 4, 5, 9].contains(to) else { throw unsupported("cast to type \(to)") }
            return .cast(toFloat: [1, 10, 11].contains(to))
        case "ConstantOfShape":
            let value = try a.tensor("value").map { (t: TensorProto) throws(ONNXError) -> ConstantValue in try TensorDecoding.decode(t, modelFolder: nil) }
            return .constantOfShape(value)
        case "Range": return .range
        case "Equal", "Less", "Greater": return .compare(CompareOp(rawValue: node.opType.lowercased())!)
        case "Not": return .not
        case "Where": return .where
        case "Mod": return .mod(fmod: a.int("fmod", 0) != 0)
        case "ScatterND":
            if let r = a.string("reduction"), r != "none" { throw unsupported("reduction \(r)") }
            return .scatterND
        case "Expand": return .expand
        case "Pow": return .pow
        case "Sqrt": return .sqrt
        default:
            throw .unsupportedOperator(type: node.opType, node: name, opset: opset)
        }
    }

    /// Value of a Constant node.
    static func constantValue(_ node: NodeProto, name: String) throws(ONNXError) -> ConstantValue {
        let a = Attributes(node)
        if let t = a.tensor("value") { return try TensorDecoding.decode(t, modelFolder: nil) }
        if a.has("value_float") { return .float(Tensor(shape: [], data: [a.float("value_float", 0)])) }
        if let f = a.floats("value_floats") { return .float(Tensor(shape: [f.count], data: f)) }
        if a.has("value_int") { return .int(IntTensor(shape: [], data: [Int64(a.int("value_int", 0))])) }
        if let i = a.byName["value_ints"]?.ints { return .int(IntTensor(shape: [i.count], data: i)) }
        throw .unsupportedAttribute(op: "Constant", node: name, detail: "value form (only value, value_float(s), value_int(s))")
    }
}
