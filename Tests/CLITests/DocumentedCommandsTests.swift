import Foundation
import TestSupport
import XCTest

/// The commands in README.md and Docs/ci.md run as written and pass, so the documentation cannot drift from
/// the behaviour: every `sh` block of both files, and every `run:` step of the CI workflow that invokes
/// `weightbridge`. A block is left out only when an HTML comment `<!-- not-executed: reason -->` stands just
/// before it.
///
/// Commands run under bash (`-eo pipefail`, as GitHub Actions runs `run:` steps) with `weightbridge` on `PATH`
/// as the built binary, in a temporary directory laid out as the documents assume: for the README a clone
/// (`Fixtures/` and `../shared/` beside it); for Docs/ci.md a user's project whose `ci/` holds the files of
/// Fixtures/verify, with `ci/checks.yml` being the manifest printed on the page.
final class DocumentedCommandsTests: XCTestCase {
    /// A fenced block of a Markdown file.
    struct Block {
        var language: String
        var line: Int
        var text: String
        /// The reason of a `<!-- not-executed: reason -->` just before the block.
        var notExecuted: String?
    }

    static func blocks(in markdown: String) -> [Block] {
        var blocks: [Block] = []
        let lines = markdown.components(separatedBy: "\n")
        var i = 0
        var lastComment: String?
        while i < lines.count {
            let trimmed = lines[i].trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                let language = String(trimmed.dropFirst(3)).trimmingCharacters(in: .whitespaces)
                var body: [String] = []
                let start = i + 1
                i += 1
                while i < lines.count && !lines[i].trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                    body.append(lines[i])
                    i += 1
                }
                blocks.append(Block(language: language, line: start, text: body.joined(separator: "\n"), notExecuted: lastComment))
                lastComment = nil
            } else if trimmed.hasPrefix("<!-- not-executed:") {
                lastComment = String(trimmed.dropFirst("<!-- not-executed:".count).dropLast(trimmed.hasSuffix("-->") ? 3 : 0))
                    .trimmingCharacters(in: .whitespaces)
            } else if !trimmed.isEmpty {
                lastComment = nil
            }
            i += 1
        }
        return blocks
    }

    /// The `run:` scripts of a workflow (single-line or `|` blocks), with the step's line.
    static func runSteps(in workflow: String) -> [(line: Int, script: String)] {
        var steps: [(Int, String)] = []
        let lines = workflow.components(separatedBy: "\n")
        var i = 0
        while i < lines.count {
            let line = lines[i]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let key = trimmed.hasPrefix("- run:") ? "- run:" : trimmed.hasPrefix("run:") ? "run:" : nil
            guard let key else {
                i += 1
                continue
            }
            let indent = line.prefix { $0 == " " }.count
            let value = trimmed.dropFirst(key.count).trimmingCharacters(in: .whitespaces)
            if value == "|" {
                var body: [String] = []
                var j = i + 1
                while j < lines.count,
                    lines[j].trimmingCharacters(in: .whitespaces).isEmpty || lines[j].prefix(while: { $0 == " " }).count > indent
                {
                    body.append(lines[j])
                    j += 1
                }
                let margin =
                    body.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
                steps.append((i + 1, body.map { String($0.dropFirst(min(margin, $0.count))) }.joined(separator: "\n")))
                i = j
            } else {
                steps.append((i + 1, value))
                i += 1
            }
        }
        return steps
    }

    /// Whether a script runs `weightbridge` itself (a line starting with it, not a path containing the word).
    static func invokesWeightBridge(_ script: String) -> Bool {
        script.components(separatedBy: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("weightbridge ") }
    }

    /// A directory holding `weightbridge`, a link to the built binary, for `PATH`.
    func binDirectory(_ tmp: TemporaryDirectory) throws -> URL {
        let bin = tmp.file("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            at: bin.appendingPathComponent("weightbridge"), withDestinationURL: WeightBridgeBinary.url)
        return bin
    }

    func runBash(_ script: String, in directory: URL, bin: URL, what: String) throws {
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = bin.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        let r = try runProcess(
            "/bin/bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], environment: environment, currentDirectory: directory)
        XCTAssertEqual(
            r.status, 0, "\(what) failed (\(r.status)):\n\(script)\nstdout:\n\(r.stdout.suffix(3000))\nstderr:\n\(r.stderr.suffix(3000))")
    }

    func testReadmeCommandBlocksRunAndPass() throws {
        let shared = try FixturePaths.sharedFile("seed")
        let readme = try String(contentsOf: FixturePaths.repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = Self.blocks(in: readme).filter { ["sh", "bash", "shell"].contains($0.language) }
        XCTAssertGreaterThanOrEqual(blocks.count, 2, "README has its command blocks")
        let tmp = TemporaryDirectory()
        let bin = try binDirectory(tmp)
        let clone = tmp.file("clone")
        try FileManager.default.createDirectory(at: clone, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: clone.appendingPathComponent("Fixtures"), withDestinationURL: FixturePaths.fixtures)
        try FileManager.default.createSymbolicLink(at: tmp.file("shared"), withDestinationURL: shared.deletingLastPathComponent())
        var executed = 0
        for block in blocks where block.notExecuted == nil {
            try runBash(block.text, in: clone, bin: bin, what: "README.md block at line \(block.line)")
            executed += 1
        }
        XCTAssertGreaterThan(executed, 0)
        for block in blocks where block.notExecuted != nil {
            XCTAssertFalse(block.notExecuted!.isEmpty, "README.md line \(block.line): a not-executed marker gives its reason")
        }
    }

    func testCIWorkflowCommandsAndBlocksRunAndPass() throws {
        let doc = try String(contentsOf: FixturePaths.repoRoot.appendingPathComponent("Docs/ci.md"), encoding: .utf8)
        let blocks = Self.blocks(in: doc)
        let manifest = try XCTUnwrap(blocks.first { $0.language == "yaml" && $0.text.hasPrefix("checks:") }, "Docs/ci.md prints a manifest")
        let workflow = try XCTUnwrap(blocks.first { $0.language == "yaml" && $0.text.contains("jobs:") }, "Docs/ci.md prints a workflow")
        let tmp = TemporaryDirectory()
        let bin = try binDirectory(tmp)
        let project = tmp.file("project")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: FixturePaths.fixture("verify"), to: project.appendingPathComponent("ci"))
        try manifest.text.write(to: project.appendingPathComponent("ci/checks.yml"), atomically: true, encoding: .utf8)
        let steps = Self.runSteps(in: workflow.text).filter { Self.invokesWeightBridge($0.script) }
        XCTAssertEqual(steps.count, 2, "the verify step and the parity step")
        for step in steps {
            try runBash(step.script, in: project, bin: bin, what: "Docs/ci.md workflow run: step at block line \(step.line)")
        }
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: project.appendingPathComponent("verify.xml").path), "the verify step writes verify.xml")
        for block in blocks where ["sh", "bash", "shell"].contains(block.language) && block.notExecuted == nil {
            try runBash(block.text, in: project, bin: bin, what: "Docs/ci.md block at line \(block.line)")
        }
    }

    func testWorkflowPinsTheToolchainCachesTheBuildAndRunsParityAfterAFailure() throws {
        let doc = try String(contentsOf: FixturePaths.repoRoot.appendingPathComponent("Docs/ci.md"), encoding: .utf8)
        XCTAssertTrue(doc.contains("swift-6.3.1-RELEASE-ubuntu24.04.tar.gz"))
        XCTAssertTrue(doc.contains("hashFiles('weightbridge/Package.swift')"))
        XCTAssertTrue(doc.contains("if: always() && steps.build.outcome == 'success'"))
        XCTAssertTrue(doc.contains("--junit verify.xml"))
        let package = try String(contentsOf: FixturePaths.repoRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let dependencies = package.components(separatedBy: "\n").filter { $0.contains(".package(url:") }
        XCTAssertFalse(dependencies.isEmpty)
        for line in dependencies {
            XCTAssertTrue(line.contains("exact:"), "every dependency is pinned exactly, as Docs/ci.md says: \(line)")
            let version = line.components(separatedBy: "exact: \"").last?.components(separatedBy: "\"").first ?? ""
            XCTAssertTrue(doc.contains(version), "Docs/ci.md names the pinned version \(version)")
        }
    }

    /// The README's transcript of `weightbridge verify` is what the command prints today, apart from the
    /// forward-pass timings and where the reported figures were found.
    func testReadmeVerifyTranscriptIsTheCommandsOutput() throws {
        _ = try FixturePaths.sharedFile("seed/mlp_weights.npz")
        let readme = try String(contentsOf: FixturePaths.repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let block = try XCTUnwrap(
            Self.blocks(in: readme).first { $0.text.hasPrefix("$ .build/release/weightbridge verify") }, "README has the transcript")
        var lines = block.text.components(separatedBy: "\n")
        let command = lines.removeFirst().dropFirst("$ .build/release/weightbridge ".count).split(separator: " ").map(String.init)
        let tmp = TemporaryDirectory()
        try FileManager.default.createSymbolicLink(at: tmp.file("shared"), withDestinationURL: FixturePaths.shared)
        try FileManager.default.createDirectory(at: tmp.file("clone"), withIntermediateDirectories: true)
        let r = try runProcess(WeightBridgeBinary.url.path, command, currentDirectory: tmp.file("clone"))
        XCTAssertEqual(r.status, 0, r.stderr)
        func normalized(_ text: String) -> [String] {
            text.components(separatedBy: "\n").map { line in
                if line.hasPrefix("reported figures: ") { return "reported figures: <found>" }
                return line.replacingOccurrences(of: #"forward pass [0-9.]+s"#, with: "forward pass <t>", options: .regularExpression)
            }.filter { !$0.isEmpty }
        }
        XCTAssertEqual(normalized(r.stdout), normalized(lines.joined(separator: "\n")))
    }
}
