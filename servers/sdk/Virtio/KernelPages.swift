// KernelPages.swift - the kernel-backed PageReserve of a driver task.

import Mach
import CVirtio

extension PageReserve {
    /// A reserve whose chunks come from vm_allocate_contiguous on this task
    /// (any host port will do, the kernel accepts the unprivileged one) and
    /// go back with vm_deallocate.
    public static func fromKernel(chunkPages: Int = 64, maxRuns: Int = 4) -> PageReserve {
        PageReserve(chunkPages: chunkPages, maxRuns: maxRuns, allocate: { bytes in
            var va = vm_address_t(0)
            var pa: rpc_phys_addr_t = 0
            let kr = vm_allocate_contiguous(smrt_host_port(), smrt_task_port(), &va, &pa,
                                            vm_size_t(bytes), 0, 0, 0)
            guard kr == KERN_SUCCESS, let p = UnsafeMutableRawPointer(bitPattern: UInt(va)) else {
                print("virtio: vm_allocate_contiguous(\(bytes)) failed: \(hex(kr))")
                return nil
            }
            return DMARegion(address: p, physical: pa, size: bytes)
        }, release: { r in
            _ = vm_deallocate(smrt_task_port(), vm_address_t(UInt(bitPattern: r.address)),
                              vm_size_t(r.size))
        })
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
