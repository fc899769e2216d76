/// Conv (2-D, grouped, dilated, with a fused activation after load-time rewriting), and the
/// window padding rule it shares with the pools. The native-kernel pass may later move a
/// lowered convolution onto oneDNN (`Planner+NativeLayout.swift`).
extension Planner {
    mutating func lowerConv(_ node: Node, _ attrs: ConvAttributes, _ operands: [Value?]) throws(InferenceError) -> [Value] {
        guard let x = operands[0], let w = operands[safe: 1] ?? nil else { throw fail(node, "needs X and W") }
        let xs = x.shape, ws = w.shape
        guard xs.count == 4, ws.count == 4 else { throw .unsupported(node: node.name, op: "Conv", detail: "only 2-D convolution (4-D tensors) is supported, got input rank \(xs.count)") }
        guard attrs.group > 0, xs[1] % attrs.group == 0, ws[0] % attrs.group == 0, ws[1] * attrs.group == xs[1] else {
            throw fail(node, "weights \(ws) do not match input \(xs) with group \(attrs.group)")
        }
        let pads = try resolvePads(node, attrs.window, input: [xs[2], xs[3]], kernel: [ws[2], ws[3]])
        var conv = Conv2D(batch: xs[0], inChannels: xs[1], inHeight: xs[2], inWidth: xs[3], outChannels: ws[0],
                          kernelHeight: ws[2], kernelWidth: ws[3], strides: attrs.window.strides, dilations: attrs.window.dilations,
                          pads: pads, group: attrs.group, activation: attrs.activation)
        guard conv.outHeight > 0, conv.outWidth > 0 else { throw fail(node, "output would be empty for input \(xs)") }
        conv.threads = threads
        return try emit(node, .conv(conv), inputs: runtimeInputs(node, operands), shape: [xs[0], ws[0], conv.outHeight, conv.outWidth])
    }

    /// Explicit pads, or those auto_pad implies for this input size.
    func resolvePads(_ node: Node, _ w: WindowAttributes, input: [Int], kernel: [Int]) throws(InferenceError) -> [Int] {
        switch w.autoPad {
        case .notSet: return w.pads
        case .valid: return [0, 0, 0, 0]
        case .sameUpper, .sameLower:
            var pads = [0, 0, 0, 0]
            for i in 0..<2 {
                let out = (input[i] + w.strides[i] - 1) / w.strides[i]
                let total = max(0, (out - 1) * w.strides[i] + w.dilations[i] * (kernel[i] - 1) + 1 - input[i])
                let small = total / 2
                pads[i] = w.autoPad == .sameUpper ? small : total - small
                pads[i + 2] = total - pads[i]
            }
            return pads
        }
    }
}
