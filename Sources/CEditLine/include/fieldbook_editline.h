#ifndef FIELDBOOK_EDITLINE_H
#define FIELDBOOK_EDITLINE_H

// libedit's readline emulation, loaded at run time from libedit.so.2 (present on a fresh Debian machine;
// its headers, libedit-dev, are not needed to build), and the little C the terminal needs around it: a
// signal handler and a character reader, which Swift cannot be inside of safely. The few functions used
// are declared here, in the forms libedit's <editline/readline.h> gives them.

#include <stddef.h>

/// What tab completion calls: the text before the cursor and its bounds; returns the matches, made with
/// fieldbook_match_list: the first replaces the text, the others are listed on a second Tab (none: the
/// first is complete, and a space follows it). NULL when nothing matches.
typedef char **fieldbook_completion_func(const char *text, int start, int end);

/// Loads libedit and configures its readline emulation and SIGINT. Returns 1 when libedit is there, 0 when
/// it is not (the caller then reads lines without editing). Ctrl-C no longer ends the program: it marks
/// the line being typed and interrupts the terminal read, so fieldbook_readline() returns at once and the
/// caller offers a fresh prompt. Also selects a UTF-8 character type when the environment names no
/// locale, so names such as Zoë survive line editing.
int fieldbook_editline_setup(fieldbook_completion_func *complete);

/// A list for `count` matches and the NULL after them, all NULL; libedit frees it and every match in it
/// (each made with strdup).
char **fieldbook_match_list(size_t count);

/// readline(3): the line typed (to free()), or NULL at end of input or after Ctrl-C.
char *fieldbook_readline(const char *prompt);
void fieldbook_add_history(const char *line);
int fieldbook_read_history(const char *path);
int fieldbook_write_history(const char *path);

/// Clears the Ctrl-C mark before a line is read.
void fieldbook_interrupt_reset(void);

/// Whether Ctrl-C was pressed since the last reset.
int fieldbook_interrupt_happened(void);

#endif
