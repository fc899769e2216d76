import CBLAS
import Dispatch

/// 2-D convolution over NCHW with groups, strides, dilations and asymmetric pads, bias and a
/// fused activation. Dense groups run as im2col + OpenBLAS sgemm (a 1×1 stride-1 unpadded
/// convolution skips im2col: the input already is the GEMM operand); depthwise convolutions
/// run a dedicated row-accumulating pointer loop.
public struct Conv2D: Sendable {
    public var batch: Int, inChannels: Int, inHeight: Int, inWidth: Int
    public var outChannels: Int, kernelHeight: Int, kernelWidth: Int
    public var strideH: Int, strideW: Int, dilationH: Int, dilationW: Int
    /// top, left, bottom, right
    public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
    public var group: Int
    public var activation: Activation?
    /// camkit's own threads for this convolution. Work is split into fixed tiles (output channels
    /// × spatial columns), each one single-threaded sgemm of the same shape whatever the thread
    /// count, so results are bit-identical across --threads (OpenBLAS's own threading changes
    /// rounding with the thread count).
    public var threads = 1

    public init(batch: Int, inChannels: Int, inHeight: Int, inWidth: Int, outChannels: Int,
                kernelHeight: Int, kernelWidth: Int, strides: [Int], dilations: [Int], pads: [Int],
                group: Int, activation: Activation?) {
        self.batch = batch; self.inChannels = inChannels; self.inHeight = inHeight; self.inWidth = inWidth
        self.outChannels = outChannels; self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideH = strides[0]; self.strideW = strides[1]; self.dilationH = dilations[0]; self.dilationW = dilations[1]
        self.padTop = pads[0]; self.padLeft = pads[1]; self.padBottom = pads[2]; self.padRight = pads[3]
        self.group = group; self.activation = activation
    }

    public var outHeight: Int { (inHeight + padTop + padBottom - (dilationH * (kernelHeight - 1) + 1)) / strideH + 1 }
    public var outWidth: Int { (inWidth + padLeft + padRight - (dilationW * (kernelWidth - 1) + 1)) / strideW + 1 }

    var isDepthwise: Bool { group == inChannels && group == outChannels && group > 1 }
    var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideH == 1 && strideW == 1
            && padTop == 0 && padLeft == 0 && padBottom == 0 && padRight == 0
    }

    /// Floats of scratch space `run` needs.
    public var scratchCount: Int {
        if hasFastDepthwise { return depthwiseScratchCount * max(threads, 1) }
        if isDepthwise || isPointwise { return 0 }
        return (inChannels / group) * kernelHeight * kernelWidth * outHeight * outWidth
    }

    /// Computes the convolution. `weights` is [M, C/group, kh, kw]; `bias` may be nil.
    public func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                    output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>?) {
        if hasFastDepthwise, let scratch {
            runDepthwisePadded(input: input, weights: weights, bias: bias, output: output, scratch: scratch)
            return
        }
        if isDepthwise {
            runDepthwise(input: input, weights: weights, bias: bias, output: output)
            return
        }
        let oh = outHeight, ow = outWidth, spatial = oh * ow
        let cg = inChannels / group, mg = outChannels / group
        let kdim = cg * kernelHeight * kernelWidth
        let blocks = Conv2D.rowBlocks(rows: mg)
        for n in 0..<batch {
            for g in 0..<group {
                let x = input + (n * inChannels + g * cg) * inHeight * inWidth
                let b: UnsafePointer<Float>
                if isPointwise {
                    b = x
                } else {
                    im2col(x, channels: cg, into: scratch!)
                    b = UnsafePointer(scratch!)
                }
                let y = output + (n * outChannels + g * mg) * spatial
                let w = weights + g * mg * kdim
                let firstChannel = g * mg
                // Fixed tiles of rowBlock rows × columnBlock columns; threads take whole tiles.
                let columns = Conv2D.columnBlocks(spatial)
                let tiles = blocks.count * columns.count
                let workers = min(threads, tiles)
                Conv2D.parallel(workers) { worker in
                    for t in stride(from: worker, to: tiles, by: workers) {
                        let rows = blocks[t / columns.count], cols = columns[t % columns.count]
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows.count), Int32(cols.count), Int32(kdim),
                                    1, w + rows.lowerBound * kdim, Int32(kdim), b + cols.lowerBound, Int32(spatial), 0,
                                    y + rows.lowerBound * spatial + cols.lowerBound, Int32(spatial))
                    }
                }
                Conv2D.parallel(workers) { worker in
                    for i in stride(from: worker, to: blocks.count, by: workers) {
                        epilogue(y, bias: bias, spatial: spatial, channels: blocks[i], biasOffset: firstChannel)
                    }
                }
            }
        }
    }

    /// Rows per sgemm call. Fixed, whatever the thread count: OpenBLAS may accumulate in another
    /// order for another matrix shape, so only same-shaped calls give bit-identical results.
    static let rowBlock = 256

    /// Columns per sgemm call (fixed for the same reason as `rowBlock`).
    static let columnBlock = 2048

    /// Spatial-column blocks of `columnBlock` columns.
    static func columnBlocks(_ columns: Int) -> [Range<Int>] {
        stride(from: 0, to: columns, by: columnBlock).map { $0..<min($0 + columnBlock, columns) }
    }

    /// Output-channel blocks of `rowBlock` rows; threads take whole blocks.
    static func rowBlocks(rows: Int) -> [Range<Int>] {
        stride(from: 0, to: rows, by: rowBlock).map { $0..<min($0 + rowBlock, rows) }
    }

    /// The kernels' closures capture raw pointers into disjoint output ranges, which Swift
    /// cannot see as Sendable; the unchecked box states that each index writes its own range.
    static func parallel(_ count: Int, _ body: (Int) -> Void) {
        if count == 1 { body(0); return }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(value: body)
            DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
        }
    }

    /// Adds the bias and applies the activation, one channel at a time while it is in cache.
    /// `y` points at channel 0 of the group; `channels` are group-relative rows.
    func epilogue(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, spatial: Int, channels: Range<Int>, biasOffset: Int) {
        for m in channels {
            let row = y + m * spatial
            if let bias {
                let bv = bias[biasOffset + m]
                for i in 0..<spatial { row[i] += bv }
            }
            activation?.apply(row, count: spatial)
        }
    }

    /// Unfolds input patches: row (c, ky, kx), column (oy, ox); zero where the patch leaves the image.
    func im2col(_ x: UnsafePointer<Float>, channels: Int, into col: UnsafeMutablePointer<Float>) {
        let oh = outHeight, ow = outWidth
        var row = 0
        for c in 0..<channels {
            let plane = x + c * inHeight * inWidth
            for ky in 0..<kernelHeight {
                for kx in 0..<kernelWidth {
                    let dst = col + row * oh * ow
                    let xOffset = kx * dilationW - padLeft
                    // valid ox: 0 <= ox*s + xOffset < inWidth
                    let oxStart = min(ow, xOffset >= 0 ? 0 : (-xOffset + strideW - 1) / strideW)
                    let oxEnd = max(oxStart, min(ow, inWidth - xOffset <= 0 ? 0 : (inWidth - xOffset + strideW - 1) / strideW))
                    for oy in 0..<oh {
                        let iy = oy * strideH + ky * dilationH - padTop
                        let d = dst + oy * ow
                        if iy < 0 || iy >= inHeight {
                            d.initialize(repeating: 0, count: ow)
                            continue
                        }
                        let src = plane + iy * inWidth + xOffset
                        for ox in 0..<oxStart { d[ox] = 0 }
                        if strideW == 1 {
                            (d + oxStart).update(from: src + oxStart, count: oxEnd - oxStart)
                        } else {
                            for ox in oxStart..<oxEnd { d[ox] = src[ox * strideW] }
                        }
                        for ox in oxEnd..<ow { d[ox] = 0 }
                    }
                    row += 1
                }
            }
        }
    }

    /// Depthwise: each output row accumulates kh·kw shifted input rows over its valid columns,
    /// so the inner loop is branch-free and, at stride 1, contiguous.
    func runDepthwise(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                      output: UnsafeMutablePointer<Float>) {
        let oh = outHeight, ow = outWidth
        let kk = kernelHeight * kernelWidth
        for n in 0..<batch {
            for c in 0..<inChannels {
                let plane = input + (n * inChannels + c) * inHeight * inWidth
                let out = output + (n * inChannels + c) * oh * ow
                let w = weights + c * kk
                let bv = bias?[c] ?? 0
                for oy in 0..<oh {
                    let d = out + oy * ow
                    d.initialize(repeating: bv, count: ow)
                    for ky in 0..<kernelHeight {
                        let iy = oy * strideH + ky * dilationH - padTop
                        if iy < 0 || iy >= inHeight { continue }
                        let srcRow = plane + iy * inWidth
                        for kx in 0..<kernelWidth {
                            let wv = w[ky * kernelWidth + kx]
                            let xOffset = kx * dilationW - padLeft
                            let oxStart = min(ow, xOffset >= 0 ? 0 : (-xOffset + strideW - 1) / strideW)
                            let oxEnd = max(oxStart, min(ow, inWidth - xOffset <= 0 ? 0 : (inWidth - xOffset + strideW - 1) / strideW))
                            let src = srcRow + xOffset
                            if strideW == 1 {
                                for ox in oxStart..<oxEnd { d[ox] += wv * src[ox] }
                            } else {
                                for ox in oxStart..<oxEnd { d[ox] += wv * src[ox * strideW] }
                            }
                        }
                    }
                }
                activation?.apply(out, count: oh * ow)
            }
        }
    }
}

/// A value handed to worker threads under the caller's promise of no data race.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
}
