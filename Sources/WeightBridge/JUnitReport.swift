import Evaluation
import Foundation
import SafeIO

/// Verification results as JUnit XML, the format GitHub Actions reporters, GitLab and Jenkins display: one
/// `<testsuite>` per model check, one `<testcase>` per figure, and a `<failure>` with the expected and computed
/// values for a figure that did not reproduce.
public enum JUnitReport {
    /// The XML document. Text is escaped for XML, and characters XML 1.0 cannot hold are dropped.
    public static func xml(_ results: [SeedVerification.ModelResult], name: String = "weightbridge verify") -> String {
        let total = results.reduce(0) { $0 + $1.checks.count }
        let failures = results.reduce(0) { $0 + $1.checks.filter { !$0.pass }.count }
        let seconds = results.reduce(0.0) { $0 + $1.evaluations.reduce(0) { $0 + $1.evaluation.seconds } }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out +=
            "<testsuites name=\"\(XMLText.escape(name))\" tests=\"\(total)\" failures=\"\(failures)\" errors=\"0\" time=\"\(time(seconds))\">\n"
        for r in results {
            let failed = r.checks.filter { !$0.pass }.count
            let t = r.evaluations.reduce(0) { $0 + $1.evaluation.seconds }
            out +=
                "  <testsuite name=\"\(XMLText.escape(r.model))\" tests=\"\(r.checks.count)\" failures=\"\(failed)\" errors=\"0\" skipped=\"0\" time=\"\(time(t))\">\n"
            out += "    <properties>\n"
            out += "      <property name=\"model\" value=\"\(XMLText.escape(r.file))\"/>\n"
            out += "      <property name=\"description\" value=\"\(XMLText.escape(r.description))\"/>\n"
            for (name, e) in r.evaluations {
                out += "      <property name=\"dataset\" value=\"\(XMLText.escape(name)) (\(e.labels.count) rows)\"/>\n"
            }
            out += "    </properties>\n"
            for c in r.checks {
                let head = "    <testcase classname=\"\(XMLText.escape(r.model))\" name=\"\(XMLText.escape(c.name))\" time=\"0\""
                if c.pass {
                    out += head + "/>\n"
                } else {
                    let message = "expected \(c.reported), computed \(c.computed) (\(c.tolerance))"
                    out += head + ">\n"
                    out += "      <failure message=\"\(XMLText.escape(message))\" type=\"FigureMismatch\">"
                    out += XMLText.escape(
                        "figure: \(c.name)\nexpected: \(c.reported)\ncomputed: \(c.computed)\nexact computed value: \(NumberText.short(c.computedExact))\ntolerance: \(c.tolerance)"
                    )
                    out += "</failure>\n"
                    out += "    </testcase>\n"
                }
            }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    /// Writes the XML to `url` atomically (a temporary file, fsync, rename).
    public static func write(_ results: [SeedVerification.ModelResult], to url: URL, name: String = "weightbridge verify") throws {
        try AtomicFile.write(Data(xml(results, name: name).utf8), to: url, overwrite: true)
    }

    static func time(_ seconds: Double) -> String { String(format: "%.3f", seconds) }
}
