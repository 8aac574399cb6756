// KernelPages.swift - the kernel-backed PageReserve of a driver task.

import Mach
import CVirtio

extension PageReserve {
    /// A reserve for pages that `device` fills: chunks from virtio_fill_alloc
    /// (contiguous, movable like any task memory, not zeroed by the kernel:
    /// the driver must send on only bytes the device or it wrote), back
    /// with vm_deallocate.
    public static func forDevice(_ device: VirtioDevice, chunkPages: Int = 64, maxRuns: Int = 4) -> PageReserve {
        let port = device.port.raw
        return PageReserve(chunkPages: chunkPages, maxRuns: maxRuns, allocate: { bytes in
            var va = vm_address_t(0)
            var pa: rpc_phys_addr_t = 0
            let kr = virtio_fill_alloc(port, vm_size_t(bytes), &va, &pa)
            guard kr == KERN_SUCCESS, let p = UnsafeMutableRawPointer(bitPattern: UInt(va)) else {
                print("virtio: virtio_fill_alloc(\(bytes)) failed: \(hex(kr))")
                return nil
            }
            return DMARegion(address: p, physical: pa, size: bytes)
        }, release: release)
    }

    static func release(_ r: DMARegion) {
        _ = vm_deallocate(smrt_task_port(), vm_address_t(UInt(bitPattern: r.address)), vm_size_t(r.size))
    }

    /// Ordinary pages (vm_allocate), for data the CPU copies in before
    /// sending them away when no contiguous memory is to be had.  Not for
    /// the device: `physical` is 0.  `discard` gives them back like the
    /// reserve's own.
    public static func ordinaryPages(_ pages: Int) -> DMARegion? {
        var va = vm_address_t(0)
        guard vm_allocate(smrt_task_port(), &va, vm_size_t(pages * pageSize), 1) == KERN_SUCCESS,
              let p = UnsafeMutableRawPointer(bitPattern: UInt(va)) else { return nil }
        return DMARegion(address: p, physical: 0, size: pages * pageSize)
    }
}
