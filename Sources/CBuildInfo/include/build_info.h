#ifndef M4TOP_BUILD_INFO_H
#define M4TOP_BUILD_INFO_H

/// The git commit and the date a build was made from, as scripts/package stamps them
/// (M4TOP_BUILD_COMMIT and M4TOP_BUILD_DATE in the environment of `swift build`, read by
/// Package.swift). Empty for a plain `swift build`.
const char *m4top_build_commit(void);
const char *m4top_build_date(void);

#endif
