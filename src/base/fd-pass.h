/* Passing a descriptor over a Unix socket (SCM_RIGHTS): the seccomp
 * listener from the sandbox to its supervisor, the proxy's listener from
 * the sandbox's network namespace to the proxy outside. */
#ifndef LATCH_BASE_FD_PASS_H
#define LATCH_BASE_FD_PASS_H

/* Send fd over a connected AF_UNIX socket, with one byte of payload.
 * Async-signal-safe (it may run between fork and execve). Returns 0 or a
 * negative errno (-EIO: a short write). */
int fd_send(int sock, int fd);

/* Receive one descriptor sent by fd_send(), O_CLOEXEC. Anything but
 * exactly one descriptor (none, several, truncated control data) is
 * refused with -EBADMSG and whatever came is closed. Returns 0 with
 * *ret_fd set, -EPIPE when the peer closed first, or a negative errno. */
int fd_recv(int sock, int *ret_fd);

#endif
