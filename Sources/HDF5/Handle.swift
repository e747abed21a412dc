import CHDF5

/// Owns one libhdf5 identifier (`hid_t`) and closes it exactly once, in `deinit`, with the close function
/// of its kind. Nothing else closes identifiers.
final class Handle {
    /// What the identifier refers to, which decides the close function.
    enum Kind {
        case file, group, dataset, attribute, datatype, dataspace, propertyList, object
    }

    let id: hid_t
    let kind: Kind

    /// Wraps `id`; throws (with the error stack) if libhdf5 returned a negative id.
    init(_ id: hid_t, _ kind: Kind, _ location: HDF5Location, _ operation: String) throws {
        if id < 0 {
            throw HDF5Error.library(
                file: location.file, object: location.object, operation: operation,
                message: HDF5Library.errorStackMessage())
        }
        self.id = id
        self.kind = kind
    }

    deinit {
        HDF5Library.locked {
            // A file closed with the strong close degree closes its objects too; skip ids already gone.
            guard H5Iis_valid(id) > 0 else { return }
            switch kind {
            case .file: _ = H5Fclose(id)
            case .group: _ = H5Gclose(id)
            case .dataset: _ = H5Dclose(id)
            case .attribute: _ = H5Aclose(id)
            case .datatype: _ = H5Tclose(id)
            case .dataspace: _ = H5Sclose(id)
            case .propertyList: _ = H5Pclose(id)
            case .object: _ = H5Oclose(id)
            }
            _ = H5Eclear2(wb_H5E_DEFAULT())
        }
    }
}
