// SPDX-License-Identifier: MIT
/*
 * setsockopt(SOL_SOCKET, SO_DEVMEM_DONTNEED) (S-5.1): validation common to
 * every design, then the design's release.  No socket lock, as in the kernel.
 * Other SOL_SOCKET options go to the design, which may know them (the
 * devmem-lab return ring, X-1.1).
 */
#include <errno.h>
#include <string.h>

#include "sock.h"
#include "tokens/tokens.h"

static int devmem_dontneed(struct dml_sock *sk, const void *optval, socklen_t optlen)
{
	/* copy_from_sockptr() into kernel memory; the stack keeps it allocation-free */
	struct dmabuf_token tokens[DML_MAX_DONTNEED_TOKENS];
	struct dml_token_sock *ts;

	if (sk->type != SOCK_STREAM)
		return -EBADF;
	if (optlen % sizeof(tokens[0]) || optlen > sizeof(tokens))
		return -EINVAL;
	/*
	 * optlen 0 still reaches the design, as in v10: a manual-mode socket
	 * that never joined gets EINVAL even with nothing to return.
	 */
	if (optlen && !optval)
		return -EFAULT;
	if (optlen)
		memcpy(tokens, optval, optlen);
	ts = dml_sock_tokens(sk);
	return ts->ops->release(ts, tokens, optlen / sizeof(tokens[0]));
}

/* An option only some designs know; the others have no such option. */
static int design_setsockopt(struct dml_sock *sk, int optname, const void *optval,
			     socklen_t optlen)
{
	struct dml_token_sock *ts;

	if (sk->type != SOCK_STREAM)
		return -ENOPROTOOPT;
	ts = dml_sock_tokens(sk);
	if (!ts->ops->setsockopt)
		return -ENOPROTOOPT;
	return ts->ops->setsockopt(ts, optname, optval, optlen);
}

int dml_setsockopt(struct dml_sock *sk, int level, int optname,
		   const void *optval, socklen_t optlen)
{
	int ret;

	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	if (!dml_sock_fd_get(sk))
		return -EBADF;
	if (optname == SO_DEVMEM_DONTNEED)
		ret = devmem_dontneed(sk, optval, optlen);
	else
		ret = design_setsockopt(sk, optname, optval, optlen);
	dml_sock_fd_put(sk);
	return ret;
}
