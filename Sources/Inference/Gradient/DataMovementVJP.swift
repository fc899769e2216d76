/// Backward rules of the operators that only move values: each output element came from one
/// input element (or from padding), so its gradient goes back to that element.
enum DataMovementVJP {
    /// Runs the forward kernel on the input's own indices to learn where each output element
    /// came from, then adds dy there. One rule for Slice, Pad, Transpose and Gather, exact by
    /// construction: the forward kernel itself says where every value went. Padding reads −1.
    static func scatter(_ dy: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count: Int, outCount: Int,
                        _ forward: (UnsafePointer<Int>, UnsafeMutablePointer<Int>) -> Void) {
        let source = Array(0..<count)
        var map = [Int](repeating: -1, count: outCount)
        source.withUnsafeBufferPointer { s in map.withUnsafeMutableBufferPointer { forward(s.baseAddress!, $0.baseAddress!) } }
        for (o, i) in map.enumerated() where i >= 0 { dx[i] += dy[o] }
    }

    /// Concat: each input's gradient is its slab of dy.
    static func concat(_ dy: UnsafePointer<Float>, shapes: [[Int]], axis: Int, into grads: [UnsafeMutablePointer<Float>?]) {
        let outer = shapes[0][..<axis].reduce(1, *)
        let slabs = shapes.map { $0[axis...].reduce(1, *) }
        let total = slabs.reduce(0, +)
        var offset = 0
        for (i, slab) in slabs.enumerated() {
            if let d = grads[i] {
                for o in 0..<outer { for j in 0..<slab { d[o * slab + j] += dy[o * total + offset + j] } }
            }
            offset += slab
        }
    }

    /// Split: the input's gradient is its outputs' gradients side by side.
    static func split(_ dys: [UnsafePointer<Float>], shape: [Int], axis: Int, sizes: [Int], into dx: UnsafeMutablePointer<Float>) {
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let total = shape[axis] * inner
        var offset = 0
        for (i, size) in sizes.enumerated() {
            let slab = size * inner
            for o in 0..<outer { for j in 0..<slab { dx[o * total + offset + j] += dys[i][o * slab + j] } }
            offset += slab
        }
    }
}
