/// The backward pass of a tail step that ran on oneDNN's native layout.
enum NativeStepBackward {
    /// A convolution: its backward-data kernel writes dx, of `inputCount` floats (native, or
    /// plain where the forward kernel read a plain source).
    case convolution(NativeConvolution, inputCount: Int, overwrites: Bool)
    /// A reorder: the reorder the other way.
    case reorder(NativeOp, inputCount: Int, overwrites: Bool)
}

/// Backward on the native layout. Activations and same-shaped arithmetic need nothing new (their
/// rules are flat loops, and padding channels stay zero: a zero gradient times anything). A
/// convolution's input gradient is oneDNN's backward-data kernel, a reorder's the reorder the
/// other way. Both overwrite their destination, so where the input has another reader the
/// result lands in scratch and is added; where the step is its only reader it writes the
/// gradient outright and that gradient is never cleared.
extension GradientPlan {
    static func nativeBackward(planner: Planner, reached: [Bool], targets: [Int])
        -> (steps: [Int: NativeStepBackward], targetReorders: [Int: NativeOp], overwritten: Set<Int>, scratchCount: Int) {
        var reads = [Int](repeating: 0, count: planner.buffers.count)
        for step in planner.steps where reached[step.outputs[0]] {
            for b in step.inputs where b >= 0 && reached[b] { reads[b] += 1 }
        }
        var steps: [Int: NativeStepBackward] = [:], overwritten = Set<Int>(), scratch = 0
        for (i, step) in planner.steps.enumerated() where reached[step.outputs[0]] {
            let x = step.inputs[0]
            guard x >= 0, reached[x] else { continue }
            let sole = reads[x] == 1
            let count: Int
            switch step.kernel {
            case .nativeConv(let c):
                let dims = [c.conv.batch, c.conv.inChannels, c.conv.inHeight, c.conv.inWidth]
                count = c.plainSource ? dims.elementCount : c.layout.count(dims)
                steps[i] = .convolution(c, inputCount: count, overwrites: sole)
            case .native(let op):
                guard let r = op.reordering, let back = NativeOp.reorder(r.dims, layout: r.layout, toNative: !r.toNative) else { continue }
                count = r.toNative ? r.dims.elementCount : r.layout.count(r.dims)
                steps[i] = .reorder(back, inputCount: count, overwrites: sole)
            default:
                continue
            }
            if sole { overwritten.insert(x) } else { scratch = max(scratch, count) }
        }
        var targetReorders: [Int: NativeOp] = [:]
        if let layout = planner.nativeLayout {
            for t in targets {
                if let dims = planner.nativeDims[t], let r = NativeOp.reorder(dims, layout: layout, toNative: false) { targetReorders[t] = r }
            }
        }
        return (steps, targetReorders, overwritten, scratch)
    }

    func nativeBackward(_ step: Step, index: Int, dy: UnsafePointer<Float>) {
        guard let dx = gradient(step, 0), let rule = nativeSteps[index] else { return }
        switch rule {
        case let .convolution(native, count, overwrites):
            let conv = native.conv
            var g = dy
            let outCount = gradientSizes[step.outputs[0]]
            // dy·f'(y) in place where nothing reads dy after this step (it is no target's
            // gradient): dy is in cache, the scratch may not be.
            let into = keptGradients.contains(step.outputs[0]) ? activationScratch! : gradients[step.outputs[0]]!
            if guidedReLU, let high = conv.activation.flatMap(GradientPlan.guidedCeiling) {
                GradientPlan.guided(dy, output: outputValue(step), below: high, count: outCount, into: into)
                g = UnsafePointer(into)
            } else if let activation = conv.activation {
                activation.outputGradient(dy, output: outputValue(step), count: outCount, into: into)
                g = UnsafePointer(into)
            }
            if let hook = onBiasGradient, let bias = step.inputs.count > 2 && step.inputs[2] >= 0 ? value(step, 2) : nil {
                let dims = [conv.batch, conv.outChannels, conv.outHeight, conv.outWidth]
                hook(BiasGradient(node: step.node, batch: conv.batch, channels: conv.outChannels, height: conv.outHeight, width: conv.outWidth,
                                  gradient: plainForHook(g, dims: dims, layout: native.layout, index: index), bias: bias))
            }
            let out = overwrites ? dx : nativeScratch!
            native.backward!.run(outputGradient: g, into: out)
            if !overwrites { for j in 0..<count { dx[j] += out[j] } }
        case let .reorder(back, count, overwrites):
            let out = overwrites ? dx : nativeScratch!
            back.run(dy, out)
            if !overwrites { for j in 0..<count { dx[j] += out[j] } }
        }
    }

    /// `g` in the plain layout, for FullGrad's hook (which reads [n, c, h, w]).
    private func plainForHook(_ g: UnsafePointer<Float>, dims: [Int], layout: NativeLayout, index: Int) -> UnsafePointer<Float> {
        let count = dims.elementCount
        if hookReorders[index] == nil { hookReorders[index] = NativeOp.reorder(dims, layout: layout, toNative: false) }
        if hookScratchCount < count {
            hookScratch?.deallocate()
            hookScratch = .allocateAligned(count)
            hookScratchCount = count
        }
        hookReorders[index]!.run(g, hookScratch!)
        return UnsafePointer(hookScratch!)
    }
}
