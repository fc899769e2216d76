#ifndef CBLASSTARTUP_H
#define CBLASSTARTUP_H
// OpenBLAS on one thread, without its thread pool. camkit calls OpenBLAS on one thread only (its
// threads are its own workers and oneDNN's; OpenBLAS's would change the rounding), but
// OpenBLAS's library constructor starts one helper thread per further core, and each helper
// spins on sched_yield for its first ~0.1 s (2^28 cycles) before it sleeps: a whole core of a
// 2-core machine at start-up (BENCHMARKS.md). A constructor in this target, which runs after
// every shared library's, sets one thread and stops the helpers.

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the helpers were stopped at process start (the pthread build of OpenBLAS, which
/// exports blas_thread_shutdown_); 0 where the library has no such pool or the hook did not run.
int camkit_blas_startup_stopped_helpers(void);

#ifdef __cplusplus
}
#endif

#endif
