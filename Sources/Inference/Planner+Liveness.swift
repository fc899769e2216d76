extension Planner {
    /// Sets each activation buffer's first definition and last use from the steps (plan inputs
    /// stay defined before the first step; plan outputs stay alive to the end).
    mutating func recomputeLiveness() {
        var defined = [Int?](repeating: nil, count: buffers.count)
        var lastRead = [Int](repeating: Int.min, count: buffers.count)
        for (i, step) in steps.enumerated() {
            for o in step.outputs {
                if defined[o] == nil { defined[o] = i }
                // A buffer written again later (a fused residual add accumulates into its skip
                // buffer) must stay allocated until that write too.
                lastRead[o] = max(lastRead[o], i)
            }
            for x in step.inputs where x >= 0 { lastRead[x] = max(lastRead[x], i) }
        }
        for b in buffers.indices {
            guard case .activation = buffers[b].kind else { continue }
            if defined[b] == nil && lastRead[b] == Int.min && buffers[b].defined >= 0 && buffers[b].lastUse != Int.max {
                // Neither written nor read any more (a fused add's output): no memory for it.
                buffers[b].size = 0
                buffers[b].defined = 0
                buffers[b].lastUse = 0
                continue
            }
            if let d = defined[b] { buffers[b].defined = d }
            if buffers[b].lastUse != Int.max { buffers[b].lastUse = max(lastRead[b], buffers[b].defined) }
        }
    }
}
