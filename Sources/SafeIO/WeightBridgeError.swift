import Foundation

/// The one convention every WeightBridge error follows, in every target: the file it concerns (under one label,
/// `file`), what is wrong, and the error that caused it, rendered one way: `file: problem: cause`.
///
/// A conforming type writes one switch, `fileAndProblem`, and `underlyingError` when it wraps another error; it
/// does not write `errorDescription`, which this protocol provides. The problem is one line that names the member,
/// layer or dataset, the value found and the value expected; values that came from a file go through
/// `printable()` first, and a value over a limit is said with `ResourceLimits.overLimit`. Library errors describe
/// the problem and never name a command-line flag: the CLI adds its flags when it prints them.
///
/// Causes chain as `source()` does in Rust's error types: each cause's problem is appended once, after `": "`. A
/// cause that names the same file as the error it caused (or no file) adds only its problem; one that names
/// another file adds `file: problem`. An error that is not a `WeightBridgeError` ends the chain with its own
/// description.
public protocol WeightBridgeError: LocalizedError {
    /// The file this error concerns (a path as the caller gave it, `archive.npz:member`, a URL or a directory),
    /// or nil for an error about values rather than a file; and what is wrong, without the file.
    var fileAndProblem: (file: String?, problem: String) { get }
    /// The error that caused this one, if any. Its text is appended to `message` once.
    var underlyingError: Error? { get }
}

extension WeightBridgeError {
    /// No cause, for errors that are the first in their chain.
    public var underlyingError: Error? { nil }

    /// The file this error concerns, or nil.
    public var file: String? { fileAndProblem.file }

    /// What is wrong, without the file.
    public var problem: String { fileAndProblem.problem }

    /// `file: problem`, then the causes (see the type's documentation), on one line.
    public var message: String {
        let (file, problem) = fileAndProblem
        var parts = (file.map { [$0] } ?? []) + [problem]
        var named = file
        var cause = underlyingError
        // A chain is a handful of links; the bound only guards against a type that names itself as its cause.
        for _ in 0..<16 {
            guard let error = cause else { break }
            guard let link = error as? WeightBridgeError else {
                parts.append((error as? LocalizedError)?.errorDescription ?? "\(error)")
                break
            }
            let (linkFile, linkProblem) = link.fileAndProblem
            if let linkFile, linkFile != named {
                parts.append(linkFile)
                named = linkFile
            }
            parts.append(linkProblem)
            cause = link.underlyingError
        }
        return parts.joined(separator: ": ")
    }

    /// `message`: what `localizedDescription` and the CLI print.
    public var errorDescription: String? { message }
}
