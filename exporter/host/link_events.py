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
netclass uses this only without a root_prefix.
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
        self._sock = sock
        self._first = True

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

    def changed(self) -> bool:
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
        self._sock.close()
