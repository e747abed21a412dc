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
        out += "<testsuites name=\"\(escape(name))\" tests=\"\(total)\" failures=\"\(failures)\" errors=\"0\" time=\"\(time(seconds))\">\n"
        for r in results {
            let failed = r.checks.filter { !$0.pass }.count
            let t = r.evaluations.reduce(0) { $0 + $1.evaluation.seconds }
            out +=
                "  <testsuite name=\"\(escape(r.model))\" tests=\"\(r.checks.count)\" failures=\"\(failed)\" errors=\"0\" skipped=\"0\" time=\"\(time(t))\">\n"
            out += "    <properties>\n"
            out += "      <property name=\"model\" value=\"\(escape(r.file))\"/>\n"
            out += "      <property name=\"description\" value=\"\(escape(r.description))\"/>\n"
            for (name, e) in r.evaluations {
                out += "      <property name=\"dataset\" value=\"\(escape(name)) (\(e.labels.count) rows)\"/>\n"
            }
            out += "    </properties>\n"
            for c in r.checks {
                let head = "    <testcase classname=\"\(escape(r.model))\" name=\"\(escape(c.name))\" time=\"0\""
                if c.pass {
                    out += head + "/>\n"
                } else {
                    let message = "expected \(c.reported), computed \(c.computed) (\(c.tolerance))"
                    out += head + ">\n"
                    out += "      <failure message=\"\(escape(message))\" type=\"FigureMismatch\">"
                    out += escape(
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

    /// XML-escapes `text` for attributes and character data.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            case "\t": out += "&#9;"
            default:
                let v = scalar.value
                let allowed = v == 0xD || (v >= 0x20 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000
                if allowed { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
