#ifndef FIELDBOOK_EDITLINE_H
#define FIELDBOOK_EDITLINE_H

// libedit's readline emulation (libedit-dev), and the little C the terminal needs around it: a signal
// handler and a character reader, which Swift cannot be inside of safely.
#include <stdio.h>
#include <editline/readline.h>

/// Configures libedit's readline emulation and SIGINT in one call, so Swift need not touch C globals.
/// Ctrl-C no longer ends the program: it marks the line being typed and interrupts the terminal read,
/// so readline() returns at once and the caller offers a fresh prompt. Also selects a UTF-8 character
/// type when the environment names no locale, so names such as Zoë survive line editing.
void fieldbook_editline_setup(rl_completion_func_t *complete);

/// Clears the Ctrl-C mark before a line is read.
void fieldbook_interrupt_reset(void);

/// Whether Ctrl-C was pressed since the last reset.
int fieldbook_interrupt_happened(void);

#endif
