import CAMKit
import Foundation

/// A self-contained HTML gallery (no server, no network): each photo's overlays with its top-k
/// classes, probabilities and box, sortable by class and by confidence.
enum Gallery {
    static func escape(_ s: String) -> String {
        DisplayText.escaped(s).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func url(_ path: String) -> String {
        path.split(separator: "/").map { $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? String($0) }.joined(separator: "/")
    }

    static func html(records: [ResultRecord], summary: String) -> String {
        var cards = ""
        for r in records {
            let top = r.predictions?.first
            let label = escape(top?.label ?? "")
            let confidence = top?.probability ?? -1
            if r.status != .ok {
                cards += "<div class=\"card error\" data-err=\"1\" data-label=\"\" data-name=\"\(escape(r.input))\" data-conf=\"-1\"><h3>\(escape(r.input))</h3><p>\(escape(r.error ?? r.status.rawValue))</p></div>\n"
                continue
            }
            var figures = ""
            for e in r.explained ?? [] {
                let box = e.box.map { "box x \($0.x0)–\($0.x1), y \($0.y0)–\($0.y1)" } ?? (e.flat ? "flat map" : "no box")
                figures += "<figure><img loading=\"lazy\" width=\"\(r.width ?? 0)\" height=\"\(r.height ?? 0)\" src=\"\(escape(url(e.overlay ?? "")))\" alt=\"\(escape(e.label))\"><figcaption>\(escape(e.label)) · \(box)</figcaption></figure>"
            }
            let preds = (r.predictions ?? []).map { "<li>\(escape($0.label)) <b>\(String(format: "%.1f%%", $0.probability * 100))</b></li>" }.joined()
            cards += "<div class=\"card\" data-err=\"0\" data-label=\"\(label)\" data-name=\"\(escape(r.input))\" data-conf=\"\(confidence)\"><h3>\(escape(r.input)) <small>\(r.width ?? 0)×\(r.height ?? 0)</small></h3>\(figures)<ol>\(preds)</ol></div>\n"
        }
        return """
        <!doctype html>
        <html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>camkit results</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:1em;background:#fafafa}
        .bar{margin-bottom:1em} button{margin-right:.5em}
        #grid{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
        .card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6em;max-width:420px}
        .card.error{border-color:#c33;color:#933}
        .card h3{font-size:1em;margin:.2em 0;word-break:break-all}
        figure{margin:0} img{max-width:100%;width:400px;height:auto;display:block}
        figcaption{font-size:.85em;color:#555} ol{margin:.4em 0;padding-left:1.4em;font-size:.9em}
        </style></head><body>
        <h1>camkit — class activation maps</h1>
        <p>\(escape(summary))</p>
        <div class="bar">Sort: <button onclick="sortBy('conf')">confidence</button><button onclick="sortBy('label')">class</button><button onclick="sortBy('name')">file</button></div>
        <div id="grid">
        \(cards)</div>
        <script>
        function sortBy(key){const g=document.getElementById('grid');const cards=[...g.children];
        cards.sort((a,b)=>(a.dataset.err-b.dataset.err)||(key==='conf'?(+b.dataset.conf)-(+a.dataset.conf):key==='label'?a.dataset.label.localeCompare(b.dataset.label):a.dataset.name.localeCompare(b.dataset.name)));
        cards.forEach(c=>g.appendChild(c));}
        </script></body></html>

        """
    }
}
