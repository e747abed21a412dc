// swift-tools-version:5.9
// A small package that depends on WeightBridge by path, as a user's own project would.
// scripts/test.sh builds and runs it so the public API cannot silently break.
import PackageDescription

let package = Package(
    name: "ConsumerApp",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "WeightBridge", path: "../../..")],
    targets: [
        .executableTarget(name: "ConsumerApp", dependencies: [.product(name: "WeightBridge", package: "WeightBridge")]),
    ]
)
