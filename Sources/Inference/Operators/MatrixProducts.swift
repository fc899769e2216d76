/// Gemm and MatMul, through OpenBLAS (`MatrixMultiply`).
extension Planner {
    mutating func lowerMatrixProduct(_ node: Node, _ operands: [Value?], _ x: Value) throws(InferenceError) -> [Value] {
        let shape = x.shape
        switch node.op {
        case .gemm(let alpha, let beta, let transA, let transB):
            guard let b = operands[safe: 1] ?? nil, shape.count == 2, b.shape.count == 2 else { throw fail(node, "Gemm needs 2-D A and B") }
            let m = transA ? shape[1] : shape[0], k = transA ? shape[0] : shape[1]
            let kb = transB ? b.shape[1] : b.shape[0], n = transB ? b.shape[0] : b.shape[1]
            guard k == kb else { throw fail(node, "inner dimensions \(k) and \(kb) differ") }
            let cShape = (operands[safe: 2] ?? nil)?.shape ?? []
            if !cShape.isEmpty, Broadcast.shape([m, n], cShape) != [m, n] { throw fail(node, "C \(cShape) does not broadcast to [\(m), \(n)]") }
            return try emit(node, .gemm(m: m, n: n, k: k, alpha: alpha, beta: beta, transA: transA, transB: transB, cShape: cShape),
                            inputs: runtimeInputs(node, operands), shape: [m, n])
        case .matMul:
            guard let b = operands[safe: 1] ?? nil, let out = MatrixMultiply.matMulShape(shape, b.shape) else { throw fail(node, "shapes do not multiply") }
            return try emit(node, .matMul(a: shape, b: b.shape), inputs: runtimeInputs(node, operands), shape: out)
        default:
            throw fail(node, "not a matrix product")
        }
    }
}
