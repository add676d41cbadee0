#include "fieldbook_editline.h"

#include <dlfcn.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

/// Set by the SIGINT handler while a line is being read.
static volatile sig_atomic_t fieldbook_interrupted = 0;

/// The thread reading the terminal. A process signal goes to any thread; only the reader's read() is
/// interrupted by it, so the handler passes it on.
static pthread_t fieldbook_reader = 0;
static volatile sig_atomic_t fieldbook_reader_known = 0;

static int fieldbook_read_character(int fd);

static void fieldbook_on_interrupt(int signal) {
    fieldbook_interrupted = 1;
    if (fieldbook_reader_known && !pthread_equal(pthread_self(), fieldbook_reader)) {
        pthread_kill(fieldbook_reader, signal);
    }
}

/// Reads one character for libedit: a whole UTF-8 sequence decoded to its code point (libedit's readline
/// emulation stores what this returns as one wide character), or EOF at end of input, on an error, or
/// when Ctrl-C interrupted the read. libedit's own reader retries a read interrupted by a signal, which
/// would leave Ctrl-C unnoticed until Enter.
static int fieldbook_getc(FILE *stream) {
    fieldbook_reader = pthread_self();
    fieldbook_reader_known = 1;
    // Worker threads (Dispatch, Swift concurrency) start with signals blocked; the reader must take SIGINT
    // for its read() to be interrupted.
    sigset_t interrupt;
    sigemptyset(&interrupt);
    sigaddset(&interrupt, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &interrupt, NULL);
    int character = fieldbook_read_character(fileno(stream));
    // Between reads the thread may do other work or end: the handler no longer passes signals to it.
    fieldbook_reader_known = 0;
    return character;
}

static int fieldbook_read_character(int fd) {
    int need = 1, have = 0, codepoint = 0;
    // Ctrl-C between two reads: the line is abandoned all the same.
    if (fieldbook_interrupted) return EOF;
    for (;;) {
        unsigned char byte;
        ssize_t count = read(fd, &byte, 1);
        if (count == 0) return EOF;
        if (count < 0) {
            if (errno == EINTR && !fieldbook_interrupted) continue;
            return EOF;
        }
        if (have == 0) {
            if (byte < 0x80) return byte;
            if ((byte & 0xE0) == 0xC0) { need = 2; codepoint = byte & 0x1F; }
            else if ((byte & 0xF0) == 0xE0) { need = 3; codepoint = byte & 0x0F; }
            else if ((byte & 0xF8) == 0xF0) { need = 4; codepoint = byte & 0x07; }
            else return 0xFFFD;
            have = 1;
        } else {
            if ((byte & 0xC0) != 0x80) return 0xFFFD;
            codepoint = (codepoint << 6) | (byte & 0x3F);
            if (++have == need) return codepoint;
        }
    }
}

/// libedit's functions and settings, found in libedit.so.2 by fieldbook_editline_setup.
static struct {
    char *(*readline)(const char *);
    int (*add_history)(const char *);
    int (*read_history)(const char *);
    int (*write_history)(const char *);
    void (*stifle_history)(int);
    const char **readline_name;
    int *catch_signals;
    fieldbook_completion_func **attempted_completion_function;
    int *attempted_completion_over;
    const char **basic_word_break_characters;
    int (**getc_function)(FILE *);
} fieldbook_libedit;

/// The completion function set up from Swift, called through fieldbook_attempted_completion.
static fieldbook_completion_func *fieldbook_complete = NULL;

/// Looks every function and setting up; 0 if libedit or any of them is missing.
static int fieldbook_load_libedit(void) {
    void *library = dlopen("libedit.so.2", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) library = dlopen("libedit.so", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) return 0;
    fieldbook_libedit.readline = (char *(*)(const char *))dlsym(library, "readline");
    fieldbook_libedit.add_history = (int (*)(const char *))dlsym(library, "add_history");
    fieldbook_libedit.read_history = (int (*)(const char *))dlsym(library, "read_history");
    fieldbook_libedit.write_history = (int (*)(const char *))dlsym(library, "write_history");
    fieldbook_libedit.stifle_history = (void (*)(int))dlsym(library, "stifle_history");
    fieldbook_libedit.readline_name = (const char **)dlsym(library, "rl_readline_name");
    fieldbook_libedit.catch_signals = (int *)dlsym(library, "rl_catch_signals");
    fieldbook_libedit.attempted_completion_function = (fieldbook_completion_func **)dlsym(library, "rl_attempted_completion_function");
    fieldbook_libedit.attempted_completion_over = (int *)dlsym(library, "rl_attempted_completion_over");
    fieldbook_libedit.basic_word_break_characters = (const char **)dlsym(library, "rl_basic_word_break_characters");
    fieldbook_libedit.getc_function = (int (**)(FILE *))dlsym(library, "rl_getc_function");
    return fieldbook_libedit.readline && fieldbook_libedit.add_history && fieldbook_libedit.read_history
        && fieldbook_libedit.write_history && fieldbook_libedit.stifle_history
        && fieldbook_libedit.readline_name && fieldbook_libedit.catch_signals
        && fieldbook_libedit.attempted_completion_function && fieldbook_libedit.attempted_completion_over
        && fieldbook_libedit.basic_word_break_characters && fieldbook_libedit.getc_function;
}

/// Tab: the Swift function, with libedit told not to fall back on completing file names when it finds
/// nothing (libedit clears the flag after each completion).
static char **fieldbook_attempted_completion(const char *text, int start, int end) {
    *fieldbook_libedit.attempted_completion_over = 1;
    return fieldbook_complete ? fieldbook_complete(text, start, end) : NULL;
}

/// Loads libedit, then configures its readline emulation and SIGINT in one call, so Swift need not touch C
/// globals. Ctrl-C no longer ends the program: it marks the line being typed. The handler is installed
/// without SA_RESTART, so the terminal read in fieldbook_getc fails with EINTR, readline() returns at
/// once, and the caller sees the mark and offers a fresh prompt.
int fieldbook_editline_setup(fieldbook_completion_func *complete) {
    if (!fieldbook_load_libedit()) return 0;
    // libedit turns wide characters back into bytes with the locale's encoding: use UTF-8 even where the
    // environment names no locale.
    if (setlocale(LC_CTYPE, "") == NULL || MB_CUR_MAX == 1) setlocale(LC_CTYPE, "C.UTF-8");
    *fieldbook_libedit.readline_name = "fieldbook";
    *fieldbook_libedit.catch_signals = 0;
    // No word breaks: the completion function is given the whole line before the cursor, so it knows the
    // command a word belongs to, and its first match replaces that whole text.
    *fieldbook_libedit.basic_word_break_characters = "";
    fieldbook_complete = complete;
    *fieldbook_libedit.attempted_completion_function = fieldbook_attempted_completion;
    *fieldbook_libedit.getc_function = fieldbook_getc;
    // Keep the last thousand commands, not every command ever typed.
    fieldbook_libedit.stifle_history(1000);
    struct sigaction action;
    action.sa_handler = fieldbook_on_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    sigaction(SIGINT, &action, NULL);
    return 1;
}

char *fieldbook_readline(const char *prompt) { return fieldbook_libedit.readline(prompt); }
void fieldbook_add_history(const char *line) { fieldbook_libedit.add_history(line); }
int fieldbook_read_history(const char *path) { return fieldbook_libedit.read_history(path); }
int fieldbook_write_history(const char *path) { return fieldbook_libedit.write_history(path); }

char **fieldbook_match_list(size_t count) { return calloc(count + 1, sizeof(char *)); }

void fieldbook_interrupt_reset(void) { fieldbook_interrupted = 0; }
int fieldbook_interrupt_happened(void) { return fieldbook_interrupted != 0; }
