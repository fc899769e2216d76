// Written by hand: OpenBLAS offers no switch for this other than the environment read in its
// own constructor, which a process cannot set for itself in time (glibc resets the environment
// after .preinit_array runs); stopping the pool afterwards is what its fork handler does.
#include "cblasstartup.h"

#include <cblas.h>
#include <dlfcn.h>

static int stopped_helpers = 0;

// Runs after the constructors of the shared libraries (OpenBLAS's included) and before main:
// SwiftPM links this target's object file into each executable (cam, the test runners).
__attribute__((constructor)) static void camkit_blas_startup(void) {
    // One thread first: openblas_set_num_threads restarts the pool if it is not running, so it
    // must not be called again once the pool is stopped (camkit calls it nowhere else).
    openblas_set_num_threads(1);
    // Not in cblas.h; present in the pthread build (Debian's default), absent in others.
    int (*shutdown)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "blas_thread_shutdown_");
    if (shutdown != NULL) {
        shutdown();
        stopped_helpers = 1;
    }
}

int camkit_blas_startup_stopped_helpers(void) { return stopped_helpers; }
