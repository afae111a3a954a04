// SPDX-License-Identifier: GPL-2.0
/* hmmpd: logging (see log.h). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static enum hmmpd_log_to log_to = HMMPD_LOG_STDERR;
static int log_level = LOG_INFO;

void hmmpd_log_open(enum hmmpd_log_to to)
{
	log_to = to;
	if (to == HMMPD_LOG_SYSLOG)
		openlog("hmmpd", LOG_PID, LOG_DAEMON);
}

void hmmpd_log_close(void)
{
	if (log_to == HMMPD_LOG_SYSLOG)
		closelog();
}

void hmmpd_log_set_level(int level)
{
	if (level < LOG_EMERG)
		level = LOG_EMERG;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	log_level = level;
}

int hmmpd_log_level(void)
{
	return log_level;
}

enum hmmpd_log_to hmmpd_log_detect(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    !fstat(2, &st) && st.st_dev == dev && st.st_ino == ino)
		return HMMPD_LOG_JOURNAL;
	return HMMPD_LOG_STDERR;
}

void hmmpd_vlog(int prio, const char *fmt, va_list ap)
{
	struct timespec ts;
	struct tm tm;

	if (prio > log_level)
		return;
	switch (log_to) {
	case HMMPD_LOG_SYSLOG:
		vsyslog(prio, fmt, ap);
		return;
	case HMMPD_LOG_JOURNAL:
		fprintf(stderr, "<%d>", prio);
		break;
	default:
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%02d:%02d:%02d.%03ld hmmpd: ", tm.tm_hour,
			tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
		break;
	}
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

void hmmpd_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hmmpd_vlog(prio, fmt, ap);
	va_end(ap);
}
