/// The residual-add fusion of the native-kernel pass (`Planner+NativeLayout.swift`).
extension NativeLayoutPass {
    /// Folds `conv(x) + r` into the convolution when the convolution was just emitted and its
    /// output feeds only this add: the convolution accumulates into r's buffer (oneDNN's sum
    /// post-op) and the add's output becomes that buffer. r must be a native buffer of the
    /// plan that nothing reads after the convolution but this add, and no value involved may
    /// be a plan output.
    mutating func fuseResidual(_ add: Step) -> Bool {
        guard let last = lastConvolution, last.emitted == steps.count - 1, case .conv(let conv) = last.step.kernel else { return false }
        let c = last.step.outputs[0], sum = add.outputs[0]
        guard add.inputs.contains(c), add.inputs[0] != add.inputs[1] else { return false }
        let r = add.inputs[0] == c ? add.inputs[1] : add.inputs[0]
        // The graph adds after the convolution's own activation; oneDNN's post-ops would apply
        // it after the sum, so only a convolution without one is fused.
        guard conv.activation == nil, case .nativeConv(let emitted) = steps[last.emitted].kernel,
              r < originalBufferCount, let dims = native[c], native[r] == dims,
              !outputs.contains(c), !outputs.contains(r), !outputs.contains(sum),
              readers[c] == [current],
              (readers[r] ?? []).allSatisfy({ $0 < last.original || $0 == current }),
              let fused = makeConvolution(conv, last.step, accumulate: true),
              fused.plainSource == emitted.plainSource else { return false }
        var step = steps[last.emitted]
        step.kernel = .nativeConv(fused)
        step.outputs = [r]
        steps[last.emitted] = step
        renamed[sum] = r
        readers[r, default: []] += readers[sum] ?? []
        // Copies of r made for earlier readers hold it without the sum: later readers need new ones.
        plainCopy[r] = nil
        nativeCopy[r] = nil
        buffers[sum].size = 0
        lastConvolution = nil
        lastFusedAdd = (step: last.step, emitted: last.emitted, sum: sum, skip: r)
        return true
    }

    /// Folds an activation of a fused add's sum into the same convolution (ResNet's ReLU after
    /// the add: oneDNN applies the post-ops in order, sum then activation), when the activation
    /// is the sum's only reader and the add was the last step emitted.
    mutating func fuseActivationAfterResidual(_ a: Activation, _ step: Step) -> Bool {
        guard let fused = lastFusedAdd, fused.emitted == steps.count - 1, step.inputs == [fused.skip],
              readers[fused.sum] == [current], !outputs.contains(step.outputs[0]),
              case .conv(var conv) = fused.step.kernel, case .nativeConv(let emitted) = steps[fused.emitted].kernel else { return false }
        conv.activation = a
        guard let withActivation = makeConvolution(conv, fused.step, accumulate: true),
              withActivation.plainSource == emitted.plainSource else { return false }
        steps[fused.emitted].kernel = .nativeConv(withActivation)
        let out = step.outputs[0]
        renamed[out] = fused.skip
        readers[fused.skip, default: []] += readers[out] ?? []
        buffers[out].size = 0
        lastFusedAdd = nil
        return true
    }
}
