// The bounded min-heap of sk_bound_heap (internal to ScanKernels).
#ifndef SCAN_KERNELS_BOUND_HEAP_H
#define SCAN_KERNELS_BOUND_HEAP_H

#include "ScanKernels.h"
#include <math.h>

/// The value a row must reach to matter: -infinity until the heap is full, then its minimum.
static inline double sk_heap_threshold(const sk_bound_heap *heap) {
    return heap->count < heap->capacity ? -INFINITY : heap->values[0];
}

/// Offers a value: kept while the heap has room, else it replaces the minimum when larger.
static inline void sk_heap_offer(sk_bound_heap *heap, double value) {
    double *v = heap->values;
    size_t n = heap->count;
    if (n < heap->capacity) {  // sift up
        size_t i = n;
        while (i > 0) {
            size_t parent = (i - 1) / 2;
            if (v[parent] <= value) break;
            v[i] = v[parent];
            i = parent;
        }
        v[i] = value;
        heap->count = n + 1;
        return;
    }
    if (n == 0 || !(value > v[0])) return;
    size_t i = 0;  // sift down from the root
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && v[child + 1] < v[child]) child += 1;
        if (v[child] >= value) break;
        v[i] = v[child];
        i = child;
    }
    v[i] = value;
}

#endif
