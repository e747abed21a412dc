import COpenBLAS
// Placeholder so the target compiles; replaced by the real types of this layer.
enum NeuralNetPlaceholder { static func f() { cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 0, 0, 0, 1, nil, 1, nil, 1, 0, nil, 1) } }
