"""The documented bounds of a served fake ("Bounds of a served fake" in docs/how-to/serving.md),
in a module that imports nothing: the command line reads them before anything heavy is loaded."""

from __future__ import annotations

# A socket with more than this many bytes of frames queued and not yet handed to the kernel
# (its client reads too slowly) is cut off: ``serve(max_unsent_bytes=...)``.
DEFAULT_MAX_UNSENT_BYTES = 8 * 1024 * 1024
# A frame from a client over this closes its socket with 1009 (message too big).
MAX_FRAME_BYTES = 1024 * 1024
# How long each socket has, once the server closes, to read the frames queued for it and its close
# frame before it is abandoned (its TCP connection reset): what close() waits at most.
CLOSE_GRACE_SECONDS = 0.5
# The same for a socket the service closes while serving (DisconnectUser, DeleteRoom, session
# expiry, reset, a cut-off): nothing waits on it, so its client has longer to read.
SOCKET_CLOSE_GRACE_SECONDS = 2.0
