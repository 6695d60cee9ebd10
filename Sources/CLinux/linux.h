// Linux headers that Swift's Glibc module does not include: epoll, eventfd, signalfd,
// malloc.h (malloc_trim), falloc.h, and the GNU calls below.
// Nothing is wrapped; the functions and types import as they are.
#ifndef VIDEOHOOKD_CLINUX_H
#define VIDEOHOOKD_CLINUX_H
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <pthread.h>
#include <malloc.h>
#include <spawn.h>
#include <linux/falloc.h>

// accept4 is declared only under _GNU_SOURCE, which Swift's Glibc module is not built with.
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
// So is pthread_setname_np, which the daemon's threads call on themselves as they start
// so that `top -H` and `ps -L` tell them apart: Foundation keeps `Thread.name` to itself
// on Linux, and the kernel refuses a name over 15 bytes.
extern int pthread_setname_np(pthread_t thread, const char *name);
// And posix_spawn_file_actions_addclosefrom_np (glibc 2.34+): a notification command
// (and ffmpeg, through Lifecycle's ChildSpawn) gets our pipes and none of the daemon's sockets
// or ledger files, whatever their flags.
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
// And fallocate, with which the bucket archive gives an uploaded part's blocks of a
// partial file back to the file system (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE).
extern int fallocate(int fd, int mode, off_t offset, off_t len);
// And sched_getaffinity, with which the server starts one event loop per core it may
// run on (`taskset`, systemd's CPUAffinity=, a container's cpuset), not per core the
// machine has. The mask is a cpu_set_t, a bit per CPU, which glibc also declares only
// under _GNU_SOURCE: passed here as the bytes it is.
extern int sched_getaffinity(pid_t pid, size_t cpusetsize, void *mask);
#endif
