#ifndef M4TOP_CRASH_GUARD_H
#define M4TOP_CRASH_GUARD_H

/// Restores the terminal (endwin) when the process crashes, then hands the signal on to the
/// handler that was there before (the Swift runtime's backtracer). Call once curses is about
/// to start.
void m4_install_crash_handlers(void);

#endif
