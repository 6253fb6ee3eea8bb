"""A pure, I/O-free decoder for Server-Sent Events (the WHATWG event-stream format).

Bytes go in, in whatever pieces the network delivers them; the ``data``
payloads of completed events come out. The decoder never touches a socket,
so it is tested on every byte split of a recorded stream.

It works on bytes and splits each chunk into lines in bulk (``splitlines``
recognises LF, CRLF and CR, and nothing else for ``bytes``), so the Python
loop runs once per line, never once per byte. UTF-8 is decoded only when a
whole event is dispatched, so a multi-byte character split across reads is
reassembled for free.
"""

from __future__ import annotations

_BOM = b"\xef\xbb\xbf"
_LINE_ENDS = (b"\n", b"\r")
_MAX_RETRY_DIGITS = (
    12  # a longer "retry:" is not a delay in milliseconds (and int() refuses 4,301+)
)


class SSEDecoder:
    """Turns a byte stream into the ``data`` payload of each event, in order.

    ``feed`` returns the payloads of the events that the chunk completed
    (multi-line data joined with ``"\\n"``); ``close`` flushes an event the
    stream left unterminated. ``event``, ``id`` and ``retry`` fields are
    parsed by the rules of the spec and kept on the decoder
    (``last_event_type``, ``last_event_id``, ``retry_ms``) but are not
    returned; comment lines (``: keep-alive``) are skipped.
    """

    __slots__ = (
        "_at_start",
        "_data",
        "_event_type",
        "_pending",
        "_skip_lf",
        "last_event_id",
        "last_event_type",
        "retry_ms",
    )

    def __init__(self) -> None:
        # An unterminated line carried over to the next chunk, in the pieces it
        # came in: joined once its end arrives, so that a long line costs
        # linear time, not a copy of everything so far at every read.
        self._pending: list[bytes] = []
        self._data: list[bytes] = []  # data lines of the event being built
        self._event_type = b""
        # A chunk that ended with CR ended a line; if the next one starts with
        # LF, that LF is the second half of a CRLF and must not end another.
        self._skip_lf = False
        self._at_start = True  # a UTF-8 BOM is allowed before the first byte
        self.last_event_id = ""
        self.last_event_type = ""
        self.retry_ms: int | None = None

    def feed(self, data: bytes) -> list[str]:
        """Decode one chunk; return the payloads of the events it completed."""
        if not data:
            return []
        if self._skip_lf:
            self._skip_lf = False
            if data[0] == 10:  # b"\n"
                data = data[1:]
                if not data:
                    return []
        pending = self._pending
        if pending:
            if 10 not in data and 13 not in data:  # still no end of line
                pending.append(data)
                return []
            pending.append(data)
            buf = b"".join(pending)
            pending.clear()
        else:
            buf = data
        if self._at_start:
            if len(buf) < 3 and _BOM.startswith(buf):
                pending.append(buf)  # cannot tell a BOM yet
                return []
            self._at_start = False
            if buf.startswith(_BOM):
                buf = buf[3:]
        lines = buf.splitlines()
        tail = buf[-1:]
        if tail in _LINE_ENDS:
            self._skip_lf = tail == b"\r"
        elif lines:
            pending.append(lines.pop())
        if not lines:
            return []
        return self._lines(lines)

    def close(self) -> list[str]:
        """End of stream: flush an unterminated last line and event, then reset."""
        out: list[str] = []
        if self._pending or self._data:
            # End the last line, then the event; after a CR the first LF only
            # completes the CRLF, which the second one covers.
            out = self.feed(b"\n") + self.feed(b"\n")
        self._pending.clear()
        self._data.clear()
        self._event_type = b""
        self._skip_lf = False
        self._at_start = True
        return out

    def _lines(self, lines: list[bytes]) -> list[str]:
        out: list[str] = []
        data = self._data
        for line in lines:
            # Tests are ordered by frequency: a data line, then the blank line ending it.
            if line.startswith(b"data: "):
                data.append(line[6:])
            elif not line:
                if data:
                    if len(data) == 1:
                        out.append(data[0].decode("utf-8", "replace"))
                    else:
                        out.append(b"\n".join(data).decode("utf-8", "replace"))
                    data.clear()
                if self._event_type:
                    self.last_event_type = self._event_type.decode("utf-8", "replace")
                    self._event_type = b""
            elif line.startswith(b"data:"):
                data.append(line[5:])
            elif line[0] != 58:  # b":" starts a comment
                self._field(line, data)
        return out

    def _field(self, line: bytes, data: list[bytes]) -> None:
        name, colon, value = line.partition(b":")
        if colon and value[:1] == b" ":
            value = value[1:]
        if name == b"data":  # "data" alone on its line: an empty data line
            data.append(value)
        elif name == b"event":
            self._event_type = value
        elif name == b"id":
            if b"\x00" not in value:
                self.last_event_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit() and len(value) <= _MAX_RETRY_DIGITS:
            self.retry_ms = int(value)
        # Any other field name is ignored, as the spec requires.


__all__ = ["SSEDecoder"]
