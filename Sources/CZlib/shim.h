// zlib for reading rotated .gz audit logs in the admin tool.
#include <zlib.h>
