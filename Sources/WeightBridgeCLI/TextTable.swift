import WeightBridge

/// A plain-text table whose columns are as wide as their widest cell (plus two spaces), so a long name never runs
/// into the next column. Every cell is made printable first (`String.printable`: control and bidi characters
/// escaped, at most `PrintableText.valueLimit` characters, 200 in the last column, which holds free text such as
/// warnings), because names in these tables come from files.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: [String]) { self.header = header }

    mutating func append(_ row: [String]) { rows.append(row) }

    /// The table as lines: the header first, then the rows; the last column is not padded. `indent` starts every line.
    func lines(indent: String = "") -> [String] {
        let cells = ([header] + rows).map { row in
            row.enumerated().map { i, cell in cell.printable(limit: i == row.count - 1 ? 200 : PrintableText.valueLimit) }
        }
        let columns = cells.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in cells {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        return cells.map { row in
            var line = indent
            for (i, cell) in row.enumerated() {
                line += i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 2)
            }
            return line
        }
    }
}
