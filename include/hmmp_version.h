/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The version of hmmp, written here and nowhere else: hmmp.ko
 * (MODULE_VERSION, HMMP_A_VERSION), hmmpd and hmmpctl include this file,
 * and the Makefile reads it (make install's man pages, make deb's package
 * version, hence dkms.conf's PACKAGE_VERSION and debian/changelog).
 * Scripts read the define with sed: keep it on one line, in this form.
 */
#ifndef _HMMP_VERSION_H
#define _HMMP_VERSION_H

#define HMMP_VERSION "0.1.0"

#endif /* _HMMP_VERSION_H */
