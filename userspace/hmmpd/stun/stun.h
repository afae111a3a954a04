/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: a STUN message codec (RFC 8489, which obsoletes RFC 5389) with
 * the methods, attribute and error codes of the SIP Outbound
 * fragmentation usage (draft-petithuguenin-sip-outbound-fragmentation-01,
 * seed 003): ForceTCP, GetToken, FLOW-TOKEN, 445 and 448. docs/stun.md
 * says why hmmp has its own codec and what it checks.
 *
 * Pure code: no I/O, no clock, no allocation. The decoder fills a struct
 * stun_msg whose byte fields point into the buffer it was given (keep the
 * buffer while using them); it never reads outside [buf, buf + len). The
 * encoder writes into a caller's buffer and fails cleanly when it is full.
 * CRC-32 comes from zlib, HMAC-SHA1 from libcrypto.
 *
 * Only messages with the magic cookie are STUN here: RFC 3489 (classic
 * STUN) requests are not answered.
 */
#ifndef HMMPD_STUN_H
#define HMMPD_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STUN_HDR_LEN		20
#define STUN_MAGIC		0x2112A442u
#define STUN_TID_LEN		12
#define STUN_FP_XOR		0x5354554eu
#define STUN_MI_LEN		20	/* HMAC-SHA1 */
#define STUN_MAX_MSG		65535	/* bytes; a UDP datagram bounds it */
#define STUN_MAX_UNKNOWN	16	/* unknown attributes kept for a 420 */
#define STUN_MAX_REASON		763	/* bytes (RFC 8489 14.8) */
#define STUN_MAX_SOFTWARE	763	/* bytes (RFC 8489 14.14) */

/* Methods (12 bits). */
#define STUN_BINDING		0x001
#define STUN_FORCE_TCP		0x009	/* seed 003 6.1 */
#define STUN_GET_TOKEN		0x00A	/* seed 003 6.2 */

enum stun_class {
	STUN_REQUEST = 0,
	STUN_INDICATION = 1,
	STUN_SUCCESS = 2,
	STUN_ERROR = 3,
};

/* Attributes. 0x0000-0x7FFF: comprehension-required. */
#define STUN_A_MAPPED_ADDRESS		0x0001
#define STUN_A_USERNAME			0x0006
#define STUN_A_MESSAGE_INTEGRITY	0x0008
#define STUN_A_ERROR_CODE		0x0009
#define STUN_A_UNKNOWN_ATTRIBUTES	0x000A
#define STUN_A_XOR_MAPPED_ADDRESS	0x0020
#define STUN_A_FLOW_TOKEN		0x0024	/* seed 003 7.1 */
#define STUN_A_SOFTWARE			0x8022
#define STUN_A_FINGERPRINT		0x8028

/* Error codes used here. */
#define STUN_ERR_BAD_REQUEST	400
#define STUN_ERR_UNAUTHORIZED	401
#define STUN_ERR_UNKNOWN_ATTR	420
#define STUN_ERR_TCP_ONLY	445	/* Operation for TCP Only */
#define STUN_ERR_UDP_ONLY	448	/* Operation for UDP Only (seed 003 8) */
#define STUN_ERR_SERVER		500

/* A transport address: family 4 or 6, address in network order. */
struct stun_addr {
	uint8_t family;		/* 4 or 6 */
	uint16_t port;		/* host order */
	uint8_t addr[16];	/* the first 4 bytes for IPv4 */
};

/* What stun_decode() found wrong; 0 is fine. */
enum stun_status {
	STUN_OK = 0,
	STUN_E_SHORT,		/* shorter than a header */
	STUN_E_NOT_STUN,	/* top bits set or no magic cookie */
	STUN_E_LENGTH,		/* length not a multiple of 4 or not the size */
	STUN_E_TRUNCATED,	/* an attribute runs past the end */
	STUN_E_ATTR,		/* a known attribute with a bad value */
	STUN_E_AFTER_FP,	/* something follows FINGERPRINT */
	STUN_E_FINGERPRINT,	/* FINGERPRINT does not match */
	STUN_E_CLASS,		/* the class does not allow an attribute */
	__STUN_E_MAX
};
const char *stun_strstatus(enum stun_status st);

struct stun_bytes {
	const uint8_t *p;	/* into the decoded buffer; NULL: absent */
	size_t len;
};

/* A decoded message. The first of repeated attributes counts. */
struct stun_msg {
	uint16_t method;
	enum stun_class cls;
	uint8_t tid[STUN_TID_LEN];
	size_t len;		/* whole message, header included */

	bool has_mapped, has_xor_mapped;
	struct stun_addr mapped, xor_mapped;
	int error;		/* ERROR-CODE 300-699; 0: none */
	struct stun_bytes reason;
	uint16_t unknown[STUN_MAX_UNKNOWN];	/* UNKNOWN-ATTRIBUTES */
	size_t nunknown;
	struct stun_bytes software, username, flow_token;
	/* Offset of MESSAGE-INTEGRITY's header; 0: absent. */
	size_t integrity_off;
	bool has_fingerprint;	/* present and correct */
	/*
	 * Comprehension-required attributes this codec does not know: a
	 * request with any is answered 420 listing them (RFC 8489 7.3.1).
	 */
	uint16_t unknown_req[STUN_MAX_UNKNOWN];
	size_t nunknown_req;
};

/*
 * Does buf start like a STUN message (RFC 7983 / RFC 5626 demultiplexing):
 * at least a header, the two top bits zero, the magic cookie. A SIP
 * message starts with a letter, so the two never collide.
 */
bool stun_is_stun(const uint8_t *buf, size_t len);

/*
 * Decodes one message that is exactly len bytes (a datagram, or what
 * stun_frame() cut from a stream). On STUN_OK *m is filled. Otherwise,
 * from STUN_E_LENGTH on, the header fields (method, cls, tid) of *m are
 * valid: a request may then be answered 400.
 */
enum stun_status stun_decode(const uint8_t *buf, size_t len,
			     struct stun_msg *m);

/*
 * On a TCP stream where STUN and SIP share the bytes (RFC 5626 section 3.5
 * and 4.4.1): when buf starts like STUN, the length of its first message.
 * Returns 1 and *n (whole message) when the header says so and *n <= len,
 * 0 when more bytes are needed, -1 when the bytes can never be STUN (the
 * stream is broken) or the message would exceed max.
 */
int stun_frame(const uint8_t *buf, size_t len, size_t max, size_t *n);

/*
 * MESSAGE-INTEGRITY of a decoded message against a short-term key (the
 * password's bytes; SASLprep is the identity for ASCII). true when
 * present and matching.
 */
bool stun_check_integrity(const uint8_t *buf, const struct stun_msg *m,
			  const void *key, size_t keylen);

/* ---- encoding ---- */

struct stun_enc {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;		/* first failure, sticky: -ENOSPC, -EINVAL */
	bool integrity;		/* MESSAGE-INTEGRITY written */
	bool fingerprint;	/* FINGERPRINT written: nothing may follow */
};

/* Starts a message in buf (cap bytes, at least STUN_HDR_LEN). */
void stun_enc_init(struct stun_enc *e, uint8_t *buf, size_t cap,
		   uint16_t method, enum stun_class cls,
		   const uint8_t tid[STUN_TID_LEN]);
/* A raw attribute; padded with zero bytes, length before padding. */
void stun_put(struct stun_enc *e, uint16_t type, const void *v, size_t len);
void stun_put_addr(struct stun_enc *e, uint16_t type,
		   const struct stun_addr *a);	/* MAPPED-ADDRESS form */
void stun_put_xor_addr(struct stun_enc *e, const struct stun_addr *a);
/* ERROR-CODE; reason NULL: the standard phrase of code. */
void stun_put_error(struct stun_enc *e, int code, const char *reason);
void stun_put_unknown(struct stun_enc *e, const uint16_t *types, size_t n);
void stun_put_software(struct stun_enc *e, const char *s);
void stun_put_flow_token(struct stun_enc *e, const void *tok, size_t len);
void stun_put_integrity(struct stun_enc *e, const void *key, size_t keylen);
void stun_put_fingerprint(struct stun_enc *e);
/* The message's length, or the first error (negative errno). */
int stun_enc_end(const struct stun_enc *e);

/* A response to request m: its method and tid, class success or error. */
void stun_enc_response(struct stun_enc *e, uint8_t *buf, size_t cap,
		       const struct stun_msg *req, bool error);
/* The standard reason phrase of an error code, or "Error". */
const char *stun_reason(int code);
/* 12 random bytes (getrandom). 0 or -errno. */
int stun_tid_new(uint8_t tid[STUN_TID_LEN]);

/* Message type <-> method and class (RFC 8489 5, figure 3). */
uint16_t stun_type(uint16_t method, enum stun_class cls);
void stun_type_split(uint16_t type, uint16_t *method, enum stun_class *cls);

#endif /* HMMPD_STUN_H */
