import Foundation
import XCTest

/// Loads files WeightBridge wrote into real Keras (`keras`, Keras 3) or tf-keras (`tf_keras`, Keras 2) and measures
/// their predictions against the outputs recorded when the fixture was made: one Python process per loader for every
/// file, since importing Keras costs seconds and a process per file made these tests the slowest of the suite.
public enum KerasReload {
    /// One written file: the fixture `name` (its inputs `name.x<i>.npy` and outputs `name.y<j>.npy` are in the
    /// fixture directory), the file to load, and how many inputs and outputs the model has.
    public struct Job {
        public var name: String
        public var path: String
        public var inputs: Int
        public var outputs: Int

        public init(name: String, path: String, inputs: Int, outputs: Int) {
            self.name = name
            self.path = path
            self.inputs = inputs
            self.outputs = outputs
        }
    }

    /// What one file predicted once reloaded: how many outputs Keras returned and the largest difference from the
    /// recorded outputs relative to the largest recorded output.
    public struct Result: Equatable {
        public var outputs: Int
        public var worst: Double
    }

    /// Reloads every job with `loader` (`"keras"` or `"tf_keras"`, models compiled off), predicting on the fixture's
    /// recorded inputs in `directory`. Fails the test when Python fails or a job is not reported on.
    public static func run(
        loader: String, directory: URL, jobs: [Job], file: StaticString = #filePath, line: UInt = #line
    ) throws -> [String: Result] {
        let report = try runPython(
            """
            import sys, os
            os.environ.setdefault("KERAS_BACKEND", "jax")  # channels_first convolutions: TensorFlow has no CPU kernel
            import numpy as np
            loader, directory, jobs = sys.argv[1], sys.argv[2], sys.argv[3:]
            if loader == "keras":
                import keras
            else:
                import tf_keras as keras
            for i in range(0, len(jobs), 4):
                name, path, inputs, outputs = jobs[i], jobs[i + 1], int(jobs[i + 2]), int(jobs[i + 3])
                model = keras.models.load_model(path, compile=False)
                xs = [np.load(os.path.join(directory, f"{name}.x{k}.npy")) for k in range(inputs)]
                ys = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
                ys = ys if isinstance(ys, list) else [ys]
                worst = 0.0
                for j in range(outputs):
                    want = np.load(os.path.join(directory, f"{name}.y{j}.npy"))
                    worst = max(worst, float(np.max(np.abs(ys[j] - want)) / np.max(np.abs(want))))
                print("result", path, len(ys), worst)
            """,
            args: [loader, directory.path] + jobs.flatMap { [$0.name, $0.path, "\($0.inputs)", "\($0.outputs)"] }, file: file, line: line)
        var results: [String: Result] = [:]
        for fields in report.split(separator: "\n").map({ $0.split(separator: " ").map(String.init) })
        where fields.count == 4 && fields[0] == "result" {
            guard let outputs = Int(fields[2]), let worst = Double(fields[3]) else { continue }
            results[fields[1]] = Result(outputs: outputs, worst: worst)
        }
        for job in jobs where results[job.path] == nil {
            XCTFail("\(loader) did not report on \(job.path): \(report)", file: file, line: line)
        }
        return results
    }
}
