import Inference
import Testing
import TestSupport

/// Fast kernels against naive loop implementations on seeded random inputs (tract's
/// suite-unit / ncnn's test_<op> style): odd sizes, stride 2, asymmetric pads, groups, dilations.
@Suite("kernels against naive references")
struct KernelReferenceTests {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> Float {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Float(z >> 40) / Float(1 << 24) * 2 - 1
        }
        mutating func array(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
    }

    struct ConvCase: CustomTestStringConvertible, Sendable {
        var n = 1, c = 3, h = 9, w = 7, m = 4, kh = 3, kw = 3
        var stride = [1, 1], dilation = [1, 1], pads = [1, 1, 1, 1], group = 1
        var activation: Activation? = nil
        var testDescription: String { "n\(n) c\(c) \(h)x\(w) m\(m) k\(kh)x\(kw) s\(stride) d\(dilation) p\(pads) g\(group) \(activation.map { "\($0)" } ?? "")" }
    }

    static let convCases: [ConvCase] = [
        ConvCase(),
        ConvCase(c: 5, h: 11, w: 13, m: 6, stride: [2, 2], pads: [0, 1, 1, 0]),              // stride 2, asymmetric pads
        ConvCase(c: 8, h: 10, w: 9, m: 8, pads: [1, 1, 1, 1], group: 8),                      // depthwise 3×3
        ConvCase(c: 6, h: 12, w: 11, m: 6, kh: 5, kw: 5, stride: [2, 2], pads: [1, 1, 2, 2], group: 6, activation: .clip(min: 0, max: 6)), // TF-SAME depthwise
        ConvCase(n: 2, c: 6, h: 7, w: 5, m: 9, kh: 1, kw: 1, pads: [0, 0, 0, 0], activation: .relu), // pointwise, batch 2
        ConvCase(c: 4, h: 9, w: 9, m: 6, dilation: [2, 2], pads: [2, 2, 2, 2], group: 2),    // grouped, dilated
        ConvCase(c: 3, h: 8, w: 8, m: 5, kh: 3, kw: 2, stride: [1, 2], pads: [0, 0, 0, 0], activation: .silu),
        ConvCase(n: 2, c: 4, h: 6, w: 7, m: 4, kh: 3, kw: 3, stride: [2, 1], pads: [2, 0, 0, 1], group: 4, activation: .hardSwish),
    ]

    func naiveConv(_ t: ConvCase, x: [Float], wt: [Float], b: [Float], oh: Int, ow: Int) -> [Float] {
        let cg = t.c / t.group, mg = t.m / t.group
        var y = [Float](repeating: 0, count: t.n * t.m * oh * ow)
        for n in 0..<t.n { for m in 0..<t.m { for oy in 0..<oh { for ox in 0..<ow {
            let g = m / mg
            var s = b[m]
            for ci in 0..<cg { for ky in 0..<t.kh { for kx in 0..<t.kw {
                let iy = oy * t.stride[0] + ky * t.dilation[0] - t.pads[0]
                let ix = ox * t.stride[1] + kx * t.dilation[1] - t.pads[1]
                if iy < 0 || iy >= t.h || ix < 0 || ix >= t.w { continue }
                s += x[((n * t.c + g * cg + ci) * t.h + iy) * t.w + ix] * wt[((m * cg + ci) * t.kh + ky) * t.kw + kx]
            } } }
            y[((n * t.m + m) * oh + oy) * ow + ox] = s
        } } } }
        if let a = t.activation { y.withUnsafeMutableBufferPointer { a.apply($0.baseAddress!, count: $0.count) } }
        return y
    }

    @Test(arguments: convCases)
    func conv(t: ConvCase) {
        var rng = SplitMix(state: 42)
        let x = rng.array(t.n * t.c * t.h * t.w), wt = rng.array(t.m * (t.c / t.group) * t.kh * t.kw), b = rng.array(t.m)
        let conv = Conv2D(batch: t.n, inChannels: t.c, inHeight: t.h, inWidth: t.w, outChannels: t.m, kernelHeight: t.kh, kernelWidth: t.kw,
                          strides: t.stride, dilations: t.dilation, pads: t.pads, group: t.group, activation: t.activation)
        var y = [Float](repeating: .nan, count: t.n * t.m * conv.outHeight * conv.outWidth)
        var scratch = [Float](repeating: 0, count: max(conv.scratchCount, 1))
        x.withUnsafeBufferPointer { xp in wt.withUnsafeBufferPointer { wp in b.withUnsafeBufferPointer { bp in
            y.withUnsafeMutableBufferPointer { yp in scratch.withUnsafeMutableBufferPointer { sp in
                conv.run(input: xp.baseAddress!, weights: wp.baseAddress!, bias: bp.baseAddress!, output: yp.baseAddress!, scratch: sp.baseAddress!)
            } }
        } } }
        let ref = naiveConv(t, x: x, wt: wt, b: b, oh: conv.outHeight, ow: conv.outWidth)
        // Measured: 3.2e-7 worst of 8; bound 1e-5 (31×).
        #expect(within(relativeError(y, ref), 1e-5, "kernel.conv.\(t)"))
    }

    struct PoolCase: CustomTestStringConvertible, Sendable {
        var h: Int, w: Int, k: [Int], s: [Int], pads: [Int], ceil: Bool, max: Bool, includePad: Bool
        var testDescription: String { "\(max ? "max" : "avg") \(h)x\(w) k\(k) s\(s) p\(pads) ceil \(ceil) incl \(includePad)" }
    }

    static let poolCases: [PoolCase] = [
        PoolCase(h: 9, w: 7, k: [3, 3], s: [2, 2], pads: [1, 1, 1, 1], ceil: false, max: true, includePad: false),
        PoolCase(h: 13, w: 13, k: [3, 3], s: [2, 2], pads: [0, 0, 0, 0], ceil: true, max: true, includePad: false),
        PoolCase(h: 8, w: 11, k: [2, 3], s: [2, 2], pads: [0, 1, 1, 0], ceil: true, max: false, includePad: false),
        PoolCase(h: 8, w: 11, k: [3, 3], s: [1, 2], pads: [1, 1, 1, 1], ceil: false, max: false, includePad: true),
    ]

    @Test(arguments: poolCases)
    func pool(t: PoolCase) {
        var rng = SplitMix(state: 7)
        let planes = 3
        let x = rng.array(planes * t.h * t.w)
        let oh = Pool2D.outputSize(input: t.h, kernel: t.k[0], stride: t.s[0], dilation: 1, padBegin: t.pads[0], padEnd: t.pads[2], ceil: t.ceil)
        let ow = Pool2D.outputSize(input: t.w, kernel: t.k[1], stride: t.s[1], dilation: 1, padBegin: t.pads[1], padEnd: t.pads[3], ceil: t.ceil)
        let pool = Pool2D(kind: t.max ? .max : .average(countIncludePad: t.includePad), planes: planes, inHeight: t.h, inWidth: t.w,
                          kernelHeight: t.k[0], kernelWidth: t.k[1], strideH: t.s[0], strideW: t.s[1], dilationH: 1, dilationW: 1,
                          padTop: t.pads[0], padLeft: t.pads[1], padBottom: t.pads[2], padRight: t.pads[3], outHeight: oh, outWidth: ow)
        var y = [Float](repeating: .nan, count: planes * oh * ow)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { pool.run(input: xp.baseAddress!, output: $0.baseAddress!) } }
        var ref = [Float](repeating: 0, count: planes * oh * ow)
        for p in 0..<planes { for oy in 0..<oh { for ox in 0..<ow {
            var best = -Float.infinity, sum: Float = 0, count = 0, padded = 0
            for ky in 0..<t.k[0] { for kx in 0..<t.k[1] {
                let iy = oy * t.s[0] + ky - t.pads[0], ix = ox * t.s[1] + kx - t.pads[1]
                // the window counts padding positions but never cells past the end padding
                if iy < t.h + t.pads[2] && ix < t.w + t.pads[3] { padded += 1 }
                if iy < 0 || iy >= t.h || ix < 0 || ix >= t.w { continue }
                let v = x[(p * t.h + iy) * t.w + ix]
                best = max(best, v); sum += v; count += 1
            } }
            ref[(p * oh + oy) * ow + ox] = t.max ? best : sum / Float(t.includePad ? padded : count)
        } } }
        // Measured: 0 (same order of sums as the reference); bound 1e-6, a few ulps.
        #expect(within(relativeError(y, ref), 1e-6, "kernel.pool.\(t)"))
    }

    @Test func transposeAndSliceMatchIndexArithmetic() {
        let shape = [2, 3, 4]
        let x = (0..<24).map { Float($0) }
        var y = [Float](repeating: 0, count: 24)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { Layout.transpose(xp.baseAddress!, shape: shape, perm: [2, 0, 1], into: $0.baseAddress!) } }
        for a in 0..<2 { for b in 0..<3 { for c in 0..<4 { #expect(y[(c * 2 + a) * 3 + b] == x[(a * 3 + b) * 4 + c]) } } }
        let axes = [Layout.sliceAxis(start: 1, end: 2, step: 1, dim: 2), Layout.sliceAxis(start: -1, end: -100, step: -2, dim: 3),
                    Layout.sliceAxis(start: 0, end: 4, step: 3, dim: 4)]
        var z = [Float](repeating: 0, count: axes.map(\.count).reduce(1, *))
        x.withUnsafeBufferPointer { xp in z.withUnsafeMutableBufferPointer { Layout.slice(xp.baseAddress!, shape: shape, axes: axes, into: $0.baseAddress!) } }
        #expect(z == [20, 23, 12, 15])
    }
}
