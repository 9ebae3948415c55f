// In C so that a new commit recompiles this one file: defines set on a Swift target would
// rebuild every module that imports it.
#include "build_info.h"

#ifndef M4TOP_BUILD_COMMIT
#define M4TOP_BUILD_COMMIT ""
#endif
#ifndef M4TOP_BUILD_DATE
#define M4TOP_BUILD_DATE ""
#endif

const char *m4top_build_commit(void) { return M4TOP_BUILD_COMMIT; }
const char *m4top_build_date(void) { return M4TOP_BUILD_DATE; }
