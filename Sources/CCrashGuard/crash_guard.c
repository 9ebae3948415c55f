// A crash must not leave the terminal raw and in the alternate screen. endwin() is not
// async-signal-safe, but htop does the same: at this point the process is dying anyway.
// The handler then hands the signal on to whoever had it before (the Swift runtime's
// backtracer, which prints where the crash happened), as htop's CRT.c does. Plain C: a
// signal handler with saved state needs storage that Swift's C importer cannot give it.
#include "crash_guard.h"

#include <ncursesw/curses.h>
#include <signal.h>
#include <string.h>

static struct sigaction previous_actions[NSIG];
// Its own stack, so that a stack overflow can still restore the terminal.
static char alternate_stack[1 << 16];

static void crash_handler(int sig, siginfo_t *info, void *context) {
    (void)context;
    endwin();
    sigaction(sig, &previous_actions[sig], NULL);
    // Sent by kill(), raise() or abort(): send it again, to the previous handler. A real fault
    // (si_code > 0) needs nothing more: returning re-runs the faulting instruction, which now
    // reaches the previous handler with the true context and backtrace.
    if (info == NULL || info->si_code <= 0) raise(sig);
}

void m4_install_crash_handlers(void) {
    stack_t alternate;
    alternate.ss_sp = alternate_stack;
    alternate.ss_size = sizeof(alternate_stack);
    alternate.ss_flags = 0;
    sigaltstack(&alternate, NULL);
    int signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE };
    for (unsigned i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
        struct sigaction action;
        memset(&action, 0, sizeof(action));
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_SIGINFO | SA_ONSTACK;
        action.sa_sigaction = crash_handler;
        sigaction(signals[i], &action, &previous_actions[signals[i]]);
    }
}
