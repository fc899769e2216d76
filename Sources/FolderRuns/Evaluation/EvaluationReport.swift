import CAMKit
import FileIO
import Foundation
import ImageIO

/// The outputs of `cam eval`: a text summary with the threshold sweep, eval.json and the plots.
public enum EvaluationReport {
    public static func text(summary s: EvaluationSummary, sweep: BoxAccuracy.Sweep, results: [ImageEvaluation], method: String) -> String {
        var lines: [String] = []
        lines.append("file                          truth → top-1                          IoU(top-1)  IoU(GT)  top-1 loc  GT-known")
        for r in results {
            guard r.status == .ok else { lines.append(r.file.padding(toLength: 30, withPad: " ", startingAt: 0) + "error"); continue }
            let classes = "\(r.label ?? "?") → \(r.top1Label ?? "?")"
            lines.append(r.file.padding(toLength: 30, withPad: " ", startingAt: 0) + classes.padding(toLength: 39, withPad: " ", startingAt: 0)
                + String(format: "%10.3f %8.3f", r.iou ?? 0, r.gtIoU ?? 0)
                + (r.top1Localised == true ? "        yes" : "         no") + (r.gtKnownLocalised == true ? "       yes" : "        no"))
        }
        lines.append("")
        lines.append("threshold sweep (BoxAcc % of the ground-truth class's map; all 100 thresholds in eval.json)")
        lines.append("  t      δ=0.3   δ=0.5   δ=0.7")
        for i in stride(from: 0, to: BoxAccuracy.thresholds.count, by: 5) {
            lines.append(String(format: "  %.2f  %6.1f  %6.1f  %6.1f", BoxAccuracy.thresholds[i],
                                100 * sweep.boxAccuracy[0][i], 100 * sweep.boxAccuracy[1][i], 100 * sweep.boxAccuracy[2][i]))
        }
        lines.append("")
        lines.append(String(format: "method %@ on %d photos (%d failed)", method, s.evaluated, s.failed))
        lines.append(String(format: "top-1 accuracy %.1f %%   top-1 loc %.1f %%   GT-known loc %.1f %%", s.top1Accuracy, s.top1Localisation, s.gtKnownLocalisation))
        lines.append(String(format: "MaxBoxAccV2 %.1f %%  (best BoxAcc δ=0.3: %.1f %% at t=%.2f, δ=0.5: %.1f %% at t=%.2f, δ=0.7: %.1f %% at t=%.2f)",
                            s.maxBoxAccV2, 100 * sweep.best[0], sweep.bestThreshold[0], 100 * sweep.best[1], sweep.bestThreshold[1],
                            100 * sweep.best[2], sweep.bestThreshold[2]))
        if let d = s.deletionAUC, let i = s.insertionAUC, let drop = s.averageDrop, let inc = s.increase {
            lines.append(String(format: "deletion AUC %.4f (lower is better)   insertion AUC %.4f (higher is better)   average drop %.1f %%   increase %.1f %%", d, i, drop, inc))
        }
        return lines.joined(separator: "\n")
    }

    public static func write(summary: EvaluationSummary, sweep: BoxAccuracy.Sweep, results: [ImageEvaluation], folder: OutputFolder, settings: [String: Any]) throws {
        let enc = ReportWriter.encoder()
        let summaryObject = try JSONSerialization.jsonObject(with: enc.encode(summary))
        let imagesObject = try JSONSerialization.jsonObject(with: enc.encode(results))
        let sweepObject: [String: Any] = [
            "thresholds": BoxAccuracy.thresholds,
            "box_acc": Dictionary(uniqueKeysWithValues: zip(BoxAccuracy.deltas, sweep.boxAccuracy).map { (String(format: "%.1f", $0), $1) }),
        ]
        let document: [String: Any] = ["settings": settings, "summary": summaryObject, "sweep": sweepObject, "images": imagesObject]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        try ReportWriter.write(String(decoding: data, as: UTF8.self) + "\n", "eval.json", in: folder)

        var plot = LinePlot(title: String(format: "BoxAcc over map thresholds — MaxBoxAccV2 %.1f %%", summary.maxBoxAccV2),
                            xLabel: "map threshold", yLabel: "BoxAcc %")
        plot.yMax = 100
        for (i, delta) in BoxAccuracy.deltas.enumerated() {
            plot.series.append(.init(label: String(format: "IoU ≥ %.1f", delta), y: sweep.boxAccuracy[i].map { $0 * 100 }, color: LinePlot.palette[i]))
        }
        try writePNG(plot.render(), "localisation.png", in: folder)
        if let del = summary.meanDeletion, let ins = summary.meanInsertion {
            var curves = LinePlot(title: String(format: "Deletion AUC %.3f · insertion AUC %.3f", summary.deletionAUC ?? 0, summary.insertionAUC ?? 0),
                                  xLabel: "fraction of pixels deleted / inserted (most salient first)", yLabel: "class probability")
            curves.series = [.init(label: "deletion", y: del, color: LinePlot.palette[3]), .init(label: "insertion", y: ins, color: LinePlot.palette[2])]
            try writePNG(curves.render(), "faithfulness.png", in: folder)
        }
    }

    static func writePNG(_ image: RGBImage, _ name: String, in folder: OutputFolder) throws {
        try PNGEncoder(software: "camkit \(CAMKitVersion.string)").write(image, to: name, in: folder)
    }
}
