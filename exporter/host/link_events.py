"""Whether the kernel announced a network link change since the last look: an rtnetlink socket.

A socket of family AF_NETLINK, protocol NETLINK_ROUTE, bound to the RTMGRP_LINK multicast
group, receives an RTM_NEWLINK or RTM_DELLINK message whenever the kernel broadcasts one
(net/core/rtnetlink.c rtmsg_ifinfo, rtnl_notify to RTNLGRP_LINK). The messages are not
parsed: any message means "something about some link changed", which is all netclass needs
to decide between its full read and the cheap one. `changed()` drains the socket without
blocking; an overrun (ENOBUFS: messages were dropped because the receive buffer filled) or
any other error also counts as a change, so a lost message can never hide one.

The socket sees the network namespace of the process that made it, which is the one
/sys/class/net shows when sysfs was mounted in that namespace (the exporter's own /sys):
netclass and netdev use this only without a root_prefix. A /sys bind-mounted from another
namespace (a container started with -v /sys:/sys but a network of its own) would show
links whose events this socket never gets, so after each full read the caller says
whether what it read is this namespace's links (`confirm`): once not, the next collection
reads everything again; twice in a row, the socket is closed and every collection reads
everything, as without it.
"""

from __future__ import annotations

import errno
import logging
import socket

log = logging.getLogger(__name__)

RTMGRP_LINK = 1  # include/uapi/linux/rtnetlink.h


class LinkEvents:
    """`changed()`: True if a link message (or an overrun, or an error) arrived since the last call,
    or on the first call. Construct with `open()`, which returns None when the socket cannot be made
    (no AF_NETLINK, seccomp, a sandbox that refuses it): the caller then reads everything every time."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock: socket.socket | None = sock
        self._first = True
        self._misses = 0  # full reads in a row whose links were not this namespace's

    @classmethod
    def open(cls) -> LinkEvents | None:
        try:
            sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC,
                                 socket.NETLINK_ROUTE)
        except (OSError, AttributeError) as e:  # AttributeError: a platform without AF_NETLINK
            log.debug("netclass: no rtnetlink socket (%s); every attribute is read at every collection", e)
            return None
        try:
            sock.bind((0, RTMGRP_LINK))
        except OSError as e:
            sock.close()
            log.debug("netclass: cannot join RTMGRP_LINK (%s); every attribute is read at every collection", e)
            return None
        return cls(sock)

    @property
    def listening(self) -> bool:
        """False once closed (by `close`, or by `confirm` after two inconsistent full reads)."""
        return self._sock is not None

    def confirm(self, consistent: bool) -> None:
        """After a full read: whether the links read are this namespace's (see the module's docstring)."""
        if consistent:
            self._misses = 0
            return
        self._misses += 1
        self._first = True  # the next collection reads everything
        if self._misses >= 2 and self._sock is not None:
            log.debug("link events: /sys/class/net is not this network namespace's; not listening")
            self.close()

    def changed(self) -> bool:
        if self._sock is None:
            return True
        changed, self._first = self._first, False
        recv = self._sock.recv
        while True:
            try:
                if not recv(65536):
                    return changed
            except BlockingIOError:
                return changed
            except OSError as e:
                if e.errno == errno.ENOBUFS:  # an overrun: messages were lost; the queue goes on
                    changed = True
                    continue
                log.debug("netclass: rtnetlink socket error %s", e)
                return True
            changed = True

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def namespace_links() -> set[tuple[int, str]]:
    """(ifindex, name) of every link of this process's network namespace (empty if unknown)."""
    try:
        return set(socket.if_nameindex())
    except OSError:
        return set()
