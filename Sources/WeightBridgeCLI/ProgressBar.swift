import Foundation

/// A progress bar on standard error: redrawn in place on a terminal, and on anything else
/// (a log, CI) only the final line of each run (one line per epoch when training).
final class ProgressBar {
    private let label: String
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private let start = Date()
    private var lastDraw = Date.distantPast

    init(label: String) { self.label = label }

    /// Redraws the bar (at most ~10 times a second) with `fraction` done and a status text.
    func update(text: String, fraction: Double?) {
        guard isTerminal else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        var line = "\r\(label) "
        if let fraction {
            let width = 30
            let filled = max(0, min(width, Int(fraction * Double(width))))
            line +=
                "[" + String(repeating: "=", count: filled) + (filled < width ? ">" : "")
                + String(repeating: ".", count: max(0, width - filled - 1)) + "] "
            let elapsed = now.timeIntervalSince(start)
            if fraction > 0.01 && fraction < 1 {
                line += "ETA \(Self.duration(elapsed / fraction - elapsed)) "
            }
        }
        line += text
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
    }

    /// Ends the bar with a final line (always printed, terminal or not).
    func finish(text: String) {
        let elapsed = Date().timeIntervalSince(start)
        let line = "\(label) \(text) (\(Self.duration(elapsed)))"
        FileHandle.standardError.write(Data(((isTerminal ? "\r" : "") + line + (isTerminal ? "\u{1B}[K" : "") + "\n").utf8))
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        return String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
    }
}
