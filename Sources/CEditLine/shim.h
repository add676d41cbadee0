#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <editline/readline.h>

/// Set by the SIGINT handler while a line is being read.
static volatile sig_atomic_t fieldbook_interrupted = 0;

static void fieldbook_on_interrupt(int signal) { (void)signal; fieldbook_interrupted = 1; }

/// Configures libedit's readline emulation and SIGINT in one call, so Swift need not touch C globals.
/// Ctrl-C no longer ends the program: it marks the line being typed, which is dropped when it ends.
static inline void fieldbook_editline_setup(rl_completion_func_t *complete) {
    rl_readline_name = "fieldbook";
    rl_catch_signals = 0;
    rl_attempted_completion_function = complete;
    struct sigaction action;
    action.sa_handler = fieldbook_on_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, NULL);
}

static inline void fieldbook_interrupt_reset(void) { fieldbook_interrupted = 0; }
static inline int fieldbook_interrupt_happened(void) { return fieldbook_interrupted != 0; }
