#ifndef FIELDBOOK_EDITLINE_H
#define FIELDBOOK_EDITLINE_H

// libedit's readline emulation, loaded at run time from libedit.so.2 (present on a fresh Debian machine;
// its headers, libedit-dev, are not needed to build), and the little C the terminal needs around it: a
// signal handler and a character reader, which Swift cannot be inside of safely. The few functions used
// are declared here, in the forms libedit's <editline/readline.h> gives them.

/// What tab completion calls: the word before the cursor and its bounds; returns the matches.
typedef char **fieldbook_completion_func(const char *text, int start, int end);
/// Produces completion candidates one by one (state 0 on the first call), NULL when done.
typedef char *fieldbook_candidate_func(const char *text, int state);

/// Loads libedit and configures its readline emulation and SIGINT. Returns 1 when libedit is there, 0 when
/// it is not (the caller then reads lines without editing). Ctrl-C no longer ends the program: it marks
/// the line being typed and interrupts the terminal read, so fieldbook_readline() returns at once and the
/// caller offers a fresh prompt. Also selects a UTF-8 character type when the environment names no
/// locale, so names such as Zoë survive line editing.
int fieldbook_editline_setup(fieldbook_completion_func *complete);

/// readline(3): the line typed (to free()), or NULL at end of input or after Ctrl-C.
char *fieldbook_readline(const char *prompt);
void fieldbook_add_history(const char *line);
int fieldbook_read_history(const char *path);
int fieldbook_write_history(const char *path);
/// rl_completion_matches(3).
char **fieldbook_completion_matches(const char *text, fieldbook_candidate_func *candidates);

/// Clears the Ctrl-C mark before a line is read.
void fieldbook_interrupt_reset(void);

/// Whether Ctrl-C was pressed since the last reset.
int fieldbook_interrupt_happened(void);

#endif
