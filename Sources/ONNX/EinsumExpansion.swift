import Inference

/// Einsum as torch exports it for attention (MaxViT's "B G H I D, B G H J D -> B G H I J" and
/// "... I J, ... J D -> ... I D"): a batched product of two operands, rewritten at import as
/// Transposes around one MatMul, so it runs on the MatMul kernel and has its backward rule.
/// Accepted: two operands, no ellipsis, no letter repeated within an operand, exactly one
/// letter summed over (in both operands, not in the output), at most one letter of its own per
/// operand (the rows and the columns), and the batch letters in both operands and the output.
enum EinsumExpansion {
    static func expand(_ node: NodeProto, name: String) throws(ONNXError) -> [Node] {
        func unsupported(_ detail: String) -> ONNXError { .unsupportedAttribute(op: "Einsum", node: name, detail: detail) }
        guard let equation = Attributes(node).string("equation") else { throw unsupported("missing equation") }
        let text = Array(equation.filter { !$0.isWhitespace })
        let arrow = text.indices.first { $0 + 1 < text.count && text[$0] == "-" && text[$0 + 1] == ">" }
        guard let arrow, !text.contains("."), node.inputs.count == 2, node.outputs.first.map({ !$0.isEmpty }) == true else {
            throw unsupported("'\(equation)': only two operands with an explicit output, no ellipsis")
        }
        let operands = text[..<arrow].split(separator: ",", omittingEmptySubsequences: false).map { Array($0) }
        let output = Array(text[(arrow + 2)...])
        guard operands.count == 2 else { throw unsupported("'\(equation)': two operands") }
        let a = operands[0], b = operands[1]
        for term in [a, b, output] where Set(term).count != term.count { throw unsupported("'\(equation)': a letter repeated in one term") }
        let summed = a.filter { b.contains($0) && !output.contains($0) }
        let batch = output.filter { a.contains($0) && b.contains($0) }
        let rows = a.filter { !b.contains($0) }, columns = b.filter { !a.contains($0) }
        guard summed.count == 1, rows.count <= 1, columns.count <= 1, rows.allSatisfy(output.contains), columns.allSatisfy(output.contains),
              output.count == batch.count + rows.count + columns.count, !rows.isEmpty, !columns.isEmpty else {
            throw unsupported("'\(equation)': only a batched product (one summed letter, one row and one column letter)")
        }
        // A as [batch…, row, summed], B as [batch…, summed, column], the product as [batch…, row, column].
        let aOrder = batch + rows + summed, bOrder = batch + summed + columns, product = batch + rows + columns
        var nodes: [Node] = []
        func arranged(_ input: String, _ term: [Character], _ order: [Character], _ tag: String) -> String {
            let perm = order.map { term.firstIndex(of: $0)! }
            if perm == Array(perm.indices) { return input }
            let out = "\(name)/\(tag)"
            nodes.append(Node(name: out, op: .transpose(perm: perm), inputs: [input], outputs: [out]))
            return out
        }
        let left = arranged(node.inputs[0], a, aOrder, "a"), right = arranged(node.inputs[1], b, bOrder, "b")
        let finalPerm = output.map { product.firstIndex(of: $0)! }
        let productName = finalPerm == Array(finalPerm.indices) ? node.outputs[0] : "\(name)/product"
        nodes.append(Node(name: name, op: .matMul, inputs: [left, right], outputs: [productName]))
        if productName != node.outputs[0] {
            nodes.append(Node(name: "\(name)/output", op: .transpose(perm: finalPerm), inputs: [productName], outputs: [node.outputs[0]]))
        }
        return nodes
    }
}
