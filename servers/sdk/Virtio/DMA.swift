// DMA.swift - memory a device reaches: a region's two addresses.

/// A block of memory that a device can reach by DMA: where this task sees
/// it and the guest-physical address the device uses, physically
/// contiguous over `size` bytes.  It describes memory; it owns nothing.
/// The kernel gives such memory two ways (docs/virtio-implementation.md):
///  - `virtio_dma_alloc`: in the kernel's DMA window outside the task's
///    regions, so the task cannot free a page the device may still write;
///    kept until the task dies.  Rings, indirect tables, request headers
///    and the buffer pool (DMAPool) live there.
///  - `virtio_fill_alloc`: ordinary task pages that happen to be
///    contiguous and whose address is known; they can leave the task as
///    out-of-line data (PageReserve.forDevice, for zero-copy reads).
/// Host tests use ordinary heap memory with physical == virtual.
@frozen
public struct DMARegion {
    public let address: UnsafeMutableRawPointer
    public let physical: UInt64
    public let size: Int

    @inlinable
    public init(address: UnsafeMutableRawPointer, physical: UInt64, size: Int) {
        self.address = address
        self.physical = physical
        self.size = size
    }

    /// The part of the region `offset` bytes in.
    @inlinable
    public func advanced(by offset: Int, size: Int) -> DMARegion {
        DMARegion(address: address + offset, physical: physical + UInt64(offset), size: size)
    }
}

/// Gets `bytes` (a multiple of 4096) of DMA memory, or nil when the kernel
/// refuses (limits, no memory).  Production drivers pass
/// `VirtioDevice.allocateDMA`, host tests heap memory.
public typealias DMAAllocator = (Int) -> DMARegion?

/// The page size everything here is built on.
public let pageSize = 4096

@inlinable
func pagesFor(_ bytes: Int) -> Int { (bytes + pageSize - 1) / pageSize }
