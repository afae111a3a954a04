/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: logging. One call, hmmpd_log(), for every part of the daemon.
 *
 * Where lines go:
 *  - foreground (-f) on a terminal or into a file: stderr, each line
 *    "HH:MM:SS.mmm hmmpd: message", the wall-clock time with milliseconds,
 *    so that the logs of several hosts (network namespaces of one VM) line
 *    up and the hand-off timeline can be read from them;
 *  - foreground with stderr connected to the journal (systemd sets
 *    $JOURNAL_STREAM to stderr's device and inode): "<N>message", the
 *    priority as sd-daemon(3) prefixes it, without a time (the journal
 *    keeps its own);
 *  - in the background: syslog(3).
 *
 * Messages are meant to be grep-able: "<area>: <what>", area one of
 * handoff, net, info, binding, register, auth, kernel, config, sip.
 */
#ifndef HMMPD_LOG_H
#define HMMPD_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum hmmpd_log_to {
	HMMPD_LOG_STDERR,	/* with a time stamp */
	HMMPD_LOG_JOURNAL,	/* stderr with <N> prefixes */
	HMMPD_LOG_SYSLOG,
};

/* Where to (call once; SYSLOG opens the log), and the least priority. */
void hmmpd_log_open(enum hmmpd_log_to to);
void hmmpd_log_close(void);
/* LOG_ERR ... LOG_DEBUG: messages less important than this are dropped. */
void hmmpd_log_set_level(int level);
int hmmpd_log_level(void);
/* stderr for a foreground daemon: JOURNAL when $JOURNAL_STREAM says so. */
enum hmmpd_log_to hmmpd_log_detect(void);

void hmmpd_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void hmmpd_vlog(int prio, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif /* HMMPD_LOG_H */
