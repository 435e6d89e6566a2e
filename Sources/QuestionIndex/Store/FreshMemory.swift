import Foundation
#if canImport(Glibc)
import Glibc
#endif

// Large buffers filled once from the database (the compact copy, all Float32 vectors): not zero-filled first, in
// huge pages where the kernel grants them, and faulted in ahead of the reader on another core.

/// An array of `count` elements that `fill` initializes, every one of them, through the pointer to the first
/// (nil when `count` is 0).
func uninitializedArray<T>(_: T.Type, count: Int, _ fill: (UnsafeMutablePointer<T>?) throws -> Void) rethrows -> [T] {
    try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        try fill(count > 0 ? buffer.baseAddress : nil)
        initialized = count
    }
}

/// Asks Linux to back a large fresh buffer with 2 MiB pages where it can (transparent huge pages, which this
/// kernel setting grants on request): filling 128 MiB then takes ~64 page faults instead of ~32,000, a large
/// part of the load's time. A hint only: elsewhere, or when refused, nothing changes.
func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
    #if os(Linux)
    let huge = 1 << 21
    guard let base = buffer.baseAddress, buffer.count >= 2 * huge else { return }
    let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
    let end = (Int(bitPattern: base) + buffer.count) & ~(huge - 1)
    guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(aligned, end - start, MADV_HUGEPAGE)
    #endif
}

/// Faults a fresh buffer's pages in on another thread, ahead of a reader that fills it from the start: on this
/// kind of VM the kernel zeroes fresh memory at a few GB/s (~40% of reading all Float32 vectors of a million rows),
/// and a second core can do that while the first copies rows in. `MADV_POPULATE_WRITE` (Linux 5.14) faults pages
/// in without touching what is already written, so it is safe beside the reader; where it is refused, or on other
/// systems, nothing happens. `finish` stops it and waits: call it before the buffer goes away.
final class BackgroundPrefault: @unchecked Sendable {
    private let done = DispatchGroup()
    private let lock = NSLock()
    private var stopped = false

    init(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        guard let base = buffer.baseAddress, buffer.count >= 1 << 24 else { return }
        let address = Int(bitPattern: base), count = buffer.count
        DispatchQueue.global(qos: .userInitiated).async(group: done) { [self] in
            let step = 1 << 22, populateWrite: Int32 = 23  // MADV_POPULATE_WRITE
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            // madvise wants a page-aligned start: from the first page boundary in the buffer.
            var offset = (page - address % page) % page
            while offset < count, !lock.withLock({ stopped }) {
                let length = min(step, count - offset)
                guard madvise(UnsafeMutableRawPointer(bitPattern: address + offset), length, populateWrite) == 0 else { return }
                offset += length
            }
        }
        #endif
    }

    /// Stops faulting pages in and waits for the thread.
    func finish() {
        lock.withLock { stopped = true }
        done.wait()
    }
}
