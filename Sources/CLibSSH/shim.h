// libssh for the admin tool (key parsing and fingerprints); never used by pushgate-serve.
#include <libssh/libssh.h>
#include <libssh/callbacks.h>
