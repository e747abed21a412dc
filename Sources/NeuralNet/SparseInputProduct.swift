import CKernels

/// The two big products of a float64 `Dense` layer, `x · kernel` and the kernel gradient `xᵀ · d`, over the nonzero
/// values of `x` only, for batches that are mostly zeros (MNIST pixels are 81% zeros; the seed MLP's first layer does
/// 94% of its epoch's multiply-adds there). The loops are C in `CKernels` (`sparse_input_product.h`).
///
/// Made from one batch (`init?(x:rows:inputs:)`), it holds the batch's index: a bit per (row, column) that is not
/// zero. A batch with more than `maximumDensity` of its values nonzero gets no index: the dense product (OpenBLAS) is
/// faster there.
///
/// The units are split over `BLASThreads.workers` threads for products of at least `parallelWork` multiply-adds,
/// unless the caller already splits its batch over the cores (inside `BLASThreads.withSingleThreadedProducts`). Every
/// output is summed in a fixed order whatever the split, so results do not depend on the core count. Results equal
/// OpenBLAS' to rounding, except that a zero input times an infinite or NaN weight may add nothing instead of a NaN.
final class SparseInputProduct {
    /// The batch's rows and columns.
    let rows: Int
    let inputs: Int
    /// Values of the batch that are not zero.
    let entries: Int
    /// A bit per row for every block of 64 rows and column (`weightbridge_sparse_masks`).
    private let masks: [UInt64]

    /// The largest fraction of nonzero values for which the index is made. Measured on 64-row batches of a 784-input,
    /// 128-unit layer (2 cores, AMD EPYC): MNIST's 19% runs the product and the gradient in 80 and 64 µs against
    /// OpenBLAS' 182 and 214; both grow with the nonzeros, the product a little less (it takes two columns at a time),
    /// so the two meet at about half. A third keeps a margin.
    static let maximumDensity = 1.0 / 3.0

    /// Multiply-adds (nonzero values times units) from which a product is split over the cores.
    static let parallelWork = 1 << 18

    /// The index of the row-major (`rows`, `inputs`) batch `x`, or nil when more than `maximumDensity` of it is nonzero
    /// (or it is empty).
    init?(x: UnsafeBufferPointer<Double>, rows: Int, inputs: Int) {
        guard rows > 0, inputs > 0, x.count == rows * inputs else { return nil }
        var masks = [UInt64](repeating: 0, count: inputs * ((rows + 63) / 64))
        let entries = masks.withUnsafeMutableBufferPointer {
            weightbridge_sparse_masks(x.baseAddress!, rows, inputs, $0.baseAddress!)
        }
        guard Double(entries) <= Self.maximumDensity * Double(x.count) else { return nil }
        self.rows = rows
        self.inputs = inputs
        self.entries = entries
        self.masks = masks
    }

    /// `y = x · kernel` for the row-major (`inputs`, `units`) kernel, into the row-major (`rows`, `units`) `y` (every
    /// value written). `x` must be the batch this index was made from.
    func product(x: UnsafePointer<Double>, kernel: UnsafePointer<Double>, units: Int, into y: UnsafeMutablePointer<Double>) {
        splitOverUnits(units) { masks, begin, end, scratch in
            weightbridge_sparse_input_product(x, masks, rows, inputs, kernel, units, begin, end, y, scratch)
        }
    }

    /// The kernel gradient `xᵀ · d` for the row-major (`rows`, `units`) output gradient `d`, into the row-major
    /// (`inputs`, `units`) `dKernel` (every value written; the rows of columns that are zero in the whole batch are
    /// zero). `x` must be the batch this index was made from.
    func kernelGradient(
        x: UnsafePointer<Double>, outputGradient d: UnsafePointer<Double>, units: Int, into dKernel: UnsafeMutablePointer<Double>
    ) {
        splitOverUnits(units) { masks, begin, end, scratch in
            weightbridge_sparse_input_kernel_gradient(x, masks, rows, inputs, d, units, begin, end, dKernel, scratch)
        }
    }

    /// SGD's step on the kernel from this batch's kernel gradient, without storing the gradient:
    /// `kernel -= rate * (xᵀ · d)`, rounded as `SGD.update` rounds it, so the kernel ends bit for bit where the
    /// gradient and `SGD.update` would take it; rows whose column is zero in the whole batch are not touched.
    func sgdStep(
        x: UnsafePointer<Double>, outputGradient d: UnsafePointer<Double>, units: Int, rate: Double,
        kernel: UnsafeMutablePointer<Double>
    ) {
        splitOverUnits(units) { masks, begin, end, scratch in
            weightbridge_sparse_input_sgd_step(x, masks, rows, inputs, d, units, begin, end, kernel, rate, scratch)
        }
    }

    /// Calls `body(masks, begin, end, scratch)` for unit ranges covering [0, `units`), on several threads
    /// (`ParallelFor`) when the work is big enough and the caller does not split its batch itself. Ranges start at
    /// multiples of 16 (the product's strips); `scratch` holds 32 * `rows` values.
    private func splitOverUnits(_ units: Int, _ body: (UnsafePointer<UInt64>, Int, Int, UnsafeMutablePointer<Double>) -> Void) {
        let parts = entries * units >= Self.parallelWork && BLASThreads.gemmThreads > 1 ? max(1, min(BLASThreads.workers, units / 16)) : 1
        let rows = rows
        masks.withUnsafeBufferPointer { masks in
            ParallelFor.run(parts: parts, threads: parts) { part in
                let range = ParallelFor.bounds(part: part, of: parts, count: units, alignment: 16)
                let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 32 * rows)
                defer { scratch.deallocate() }
                body(masks.baseAddress!, range.lowerBound, range.upperBound, scratch)
            }
        }
    }
}
