extension Planner {
    /// Lowers one node: folds it when its inputs are known, else hands it to its operator
    /// family (`Operators/`), which checks its shapes and emits its kernel.
    mutating func lower(_ node: Node, _ operands: [Value?]) throws(InferenceError) -> [Value] {
        let allConstant = operands.allSatisfy { v in
            guard let v else { return true }
            if case .constant = v { return true }
            return false
        }
        // Shape of a runtime value is known at plan time.
        if case .shape(let start, let end) = node.op, let x = operands.first ?? nil {
            return [.constant(.int(ShapeComputations.shapeSlice(x.shape, start: start, end: end)))]
        }
        if allConstant {
            let consts = operands.map { v -> ConstantValue? in
                if case .constant(let c)? = v { return c }
                return nil
            }
            if let folded = try ConstantFolder.evaluate(node, consts, limit: limit) { return folded.map { .constant($0) } }
        }
        guard let x = operands.first ?? nil else { throw fail(node, "missing first input") }
        switch node.op {
        case .identity, .cast(toFloat: true), .reshape, .flatten, .squeeze, .unsqueeze:
            return try alias(node, x, operands)
        case .cast(toFloat: false):
            throw .unsupported(node: node.name, op: "Cast", detail: "casting run-time float data to an integer type")
        case .conv(let attrs):
            return try lowerConv(node, attrs, operands)
        case .batchNormalization, .layerNormalization, .softmax, .logSoftmax:
            return try lowerNormalization(node, operands, x)
        case .activation, .clip, .prelu, .binary, .sum:
            return try lowerElementwise(node, operands, x)
        case .concat, .split, .slice, .pad, .transpose, .gather:
            return try lowerDataMovement(node, operands, x)
        case .maxPool, .averagePool, .globalAveragePool, .globalMaxPool, .reduce:
            return try lowerPooling(node, operands, x)
        case .gemm, .matMul:
            return try lowerMatrixProduct(node, operands, x)
        case .expand, .pow, .sqrt:
            return try lowerExpandOrPower(node, operands, x)
        case .shape, .constantOfShape, .range, .compare, .not, .where, .mod, .scatterND:
            let runtime = zip(node.inputs, operands).first { _, v in
                if case .runtime? = v { return true }
                return false
            }
            throw .notConstant(node: node.name, op: node.op.name, input: runtime?.0 ?? node.inputs.first ?? "")
        }
    }
}
