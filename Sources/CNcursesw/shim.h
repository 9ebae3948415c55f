#ifndef M4TOP_CNCURSESW_SHIM_H
#define M4TOP_CNCURSESW_SHIM_H

// SwiftPM drops pkg-config's cflags for system libraries: ask for the wide-character API here.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <locale.h>
#include <string.h>
#include <langinfo.h>
#include <wchar.h>
#include <signal.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <ncursesw/curses.h>

// Macros and globals that do not import into Swift (or not safely under strict concurrency).
static inline attr_t m4_attr_normal(void) { return A_NORMAL; }
static inline attr_t m4_attr_bold(void) { return A_BOLD; }
static inline attr_t m4_attr_underline(void) { return A_UNDERLINE; }
static inline attr_t m4_attr_reverse(void) { return A_REVERSE; }
static inline attr_t m4_attr_dim(void) { return A_DIM; }
static inline WINDOW *m4_stdscr(void) { return stdscr; }
static inline int m4_lines(void) { return LINES; }
static inline int m4_cols(void) { return COLS; }
static inline int m4_colors(void) { return COLORS; }
static inline int m4_key_code_yes(void) { return KEY_CODE_YES; }
static inline int m4_err(void) { return ERR; }

/// Sets one cell's wide character and style; returns ERR on failure.
static inline int m4_put_cell(int y, int x, const wchar_t *text, attr_t attrs, int pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attrs, (short)(pair > 32767 ? 0 : pair), &pair) == ERR) return ERR;
    return mvwadd_wch(stdscr, y, x, &cell);
}

/// The terminal's real size, read from the tty (ncurses' own LINES/COLS lag a resize).
static inline int m4_tty_size(int fd, int *rows, int *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}

/// newterm on the process's stdout/stdin; NULL (not an exit, unlike initscr) for an unknown TERM.
static inline SCREEN *m4_newterm(void) {
    SCREEN *screen = newterm(NULL, stdout, stdin);
    if (screen) set_term(screen);
    return screen;
}

static inline int m4_is_utf8_locale(void) {
    const char *codeset = nl_langinfo(CODESET);
    return codeset && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
}

#endif
