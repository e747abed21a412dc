@_exported import ModelSpec
