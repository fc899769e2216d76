/* SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but they are the ones
   that touch no library context: OpenSSL 3's one-shot SHA256() fetches the algorithm under locks
   that exit() tears down, so a model hashed on another thread while the process exits crashed
   (camkit hashes the model beside its loading: PendingDigest). */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
