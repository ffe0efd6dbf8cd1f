"""Active content in an uploaded PDF: JavaScript, launch actions, embedded files, rich media and
XFA forms, found by the PDF names that carry them. Papers with any of these are refused
(meetings/uploads.py): a paper is read, not run, and PDF/A (what Word and LibreOffice save for
archiving) has none of them.

The file is read once, in chunks, with the standard library only, and regular expressions do the
reading (a file full of other names, strings or comments costs no Python code per token):
- names are read as a PDF reader reads them, "#xx" escapes decoded (/J#61vaScript is
  /JavaScript), a name split across two chunks included;
- /JavaScript, /Launch, /EmbeddedFile(s), /FileAttachment, /GoToE and /RichMedia are found
  anywhere in the raw bytes, stream data included (that many bytes do not match by chance);
- the short names /JS, /EF and /XFA are found outside stream data (between "stream" and
  "endstream", three bytes of an image or a font would match now and then);
- object streams (PDF 1.5's compressed objects) are found by what they hold, not by what the
  syntax around them says: at every "stream" keyword the data that follows is tried, inflated
  (FlateDecode) and as it stands, and when it starts like an object stream (pairs of object
  numbers and offsets, then an object) it is read to its end, every name counted. More /ObjStm
  names in the file than object streams read (an encrypted file, a filter other than
  FlateDecode, damage), more than MAX_INFLATED_BYTES inflated, or more than MAX_STREAMS
  streams, makes the file "unchecked": refused as well, since what it holds cannot be known.

What it does not do: decrypt, decode filters other than FlateDecode, or interpret the document.
A name that only looks like one of these (the words "/JS" in a title, say) may be refused: the
person is asked to save the file again, as PDF/A for example.
"""

import re
import zlib

CHUNK_BYTES = 64 * 1024
MAX_INFLATED_BYTES = 32 * 1024 * 1024
# Real papers have a few thousand streams; reading each costs a little.
MAX_STREAMS = 100_000
_PROBE_INPUT = 1024  # bytes of a stream read before telling whether it is an object stream
_PROBE_BYTES = 256  # of them (or of what they inflate to) looked at to tell

# Names that carry active content, found anywhere in the file.
LONG_NAMES = {b"JavaScript", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"FileAttachment"}
LONG_NAMES |= {b"GoToE", b"RichMedia"}
# Short names, found outside stream data, and in object streams.
SHORT_NAMES = {b"JS", b"EF", b"XFA"}
ACTIVE_NAMES = LONG_NAMES | SHORT_NAMES
OBJECT_STREAM = b"ObjStm"

# What ends a name: PDF's whitespace and delimiters.
_DELIMITER = rb"(?=[\x00\t\n\x0c\r ()<>\[\]{}/%])"
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# How much of each piece is looked at again with the next: the longest name, fully escaped.
_OVERLAP = 3 * max(len(name) for name in ACTIVE_NAMES | {OBJECT_STREAM}) + 2
_INTEGER = re.compile(rb"[\x00\t\n\x0c\r ]*(\d+)(?=[\x00\t\n\x0c\r ])")
_OBJECT_START = re.compile(rb"[\x00\t\n\x0c\r ]*(?:[<\[(/]|true|false|null)")
_NUMBER_START = re.compile(rb"[\x00\t\n\x0c\r ]*[-+.\d]")


def _looks_like_object_stream(head):
    """Whether data starts as an object stream does: pairs of an object number (1 or more) and
    an offset (0 first, then growing), then the first object. A page's contents, which may start
    with numbers too ("1 0 0 1 0 0 cm", "612 0 0 792 0 0 cm"), break the pattern within a pair
    or two."""
    numbers, position = [], 0
    while match := _INTEGER.match(head, position):
        numbers.append(int(match[1]))
        position = match.end()
    pairs = 0
    while 2 * pairs + 1 < len(numbers):
        number, offset = numbers[2 * pairs], numbers[2 * pairs + 1]
        previous = numbers[2 * pairs - 1] if pairs else -1
        if number < 1 or offset <= previous or (pairs == 0 and offset != 0):
            break
        pairs += 1
    left_over = len(numbers) - 2 * pairs
    if not pairs or left_over > 1:
        return False
    if len(head) >= _PROBE_BYTES and position >= len(head) - 16:  # only the list, so far
        return pairs >= 2
    if left_over == 1:  # the first object is an integer
        return pairs >= 2
    rest = head[position:]
    return bool(_OBJECT_START.match(rest)) or (pairs >= 2 and bool(_NUMBER_START.match(rest)))


def _names(names):
    """A regular expression for "/" and one of `names`, each character also as a "#xx" escape,
    ending where the name ends."""

    def char(c):
        hex_digits = "".join(f"[{d.lower()}{d.upper()}]" if d.isalpha() else d for d in f"{c:02x}")
        return b"(?:" + re.escape(bytes([c])) + b"|#" + hex_digits.encode() + b")"

    longest_first = sorted(names, key=len, reverse=True)
    body = b"|".join(b"".join(char(c) for c in name) for name in longest_first)
    return b"/(?:" + body + b")" + _DELIMITER


def _decoded(name):
    return _ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), name.lstrip(b"/"))


# The raw bytes: the long names and /ObjStm anywhere; the short names, and where stream data
# starts and ends. "endstream" is tried first where both could match.
_ANYWHERE = re.compile(_names(LONG_NAMES | {OBJECT_STREAM}))
_TOKENS = re.compile(
    rb"(?P<short>" + _names(SHORT_NAMES) + rb")|(?P<end>endstream)|(?P<stream>stream)"
    rb"(?:\r\n|\n|\r(?=[^\n]))"
)
_ALL_NAMES = re.compile(_names(ACTIVE_NAMES))
_END = re.compile(rb"endstream")


class _Pieces:
    """Matches of a pattern in bytes fed in pieces, each match once, one split across two
    pieces included: the end of each piece is looked at again with the next."""

    def __init__(self, pattern):
        self.pattern = pattern
        self.tail = b""
        self.start = 0  # where the tail starts, in the whole
        self.done = 0  # matches starting before this were given already

    def feed(self, data, *, final=False):
        buffer = self.tail + data + (b"\n" if final else b"")  # a file ends a line
        found = []
        for match in self.pattern.finditer(buffer):
            at = self.start + match.start()
            if at >= self.done:
                found.append((at, match, buffer))
                self.done = self.start + match.end()
        keep = min(_OVERLAP, len(buffer))
        self.start += len(buffer) - keep
        self.tail = buffer[len(buffer) - keep :]
        return found


def _may_be_object_stream(start):
    """From a stream's first two bytes: a zlib header (what FlateDecode data starts with), or
    (uncompressed) whitespace or a digit. (Fewer than two bytes: it cannot be told yet.)"""
    if len(start) < 2:
        return True
    if start[0] & 0x0F == 8 and (start[0] << 8 | start[1]) % 31 == 0:
        return True
    return start[:1] in b"0123456789 \t\r\n\x0c\x00"


class _ObjectStream:
    """What follows one "stream" keyword: its first bytes tried as an object stream, inflated
    and as they stand; read to its end when it is one."""

    def __init__(self, scan):
        self.scan = scan
        self.kind = "probe"  # then "inflate", "raw" or "done"
        self.pending = b""  # the first bytes, while probing
        self.names = self.ends = None  # made once it is one
        self.raw_seen = 0  # bytes given to self.ends before the current piece
        self.inflater = None

    def feed(self, data):
        if self.kind == "probe":
            self.pending += data
            if len(self.pending) >= _PROBE_INPUT:
                self._decide()
        elif self.kind == "inflate":
            self._inflate(data)
        elif self.kind == "raw":
            self._raw(data)

    def finish(self):
        if self.kind == "probe":
            self._decide()
        if self.kind == "inflate":
            self.scan.unreadable = "an object stream that ends too soon"
        self._note(b"", final=True)

    def _decide(self):
        data, self.pending = self.pending, b""
        inflater = zlib.decompressobj()
        try:
            head = inflater.decompress(data, _PROBE_BYTES)
        except zlib.error:
            head = b""
        self.names, self.ends = _Pieces(_ALL_NAMES), _Pieces(_END)
        if _looks_like_object_stream(head):
            self.kind, self.inflater = "inflate", inflater
            self.scan.object_streams_read += 1
            self._counted(head)
            self._inflate(inflater.unconsumed_tail)
        elif _looks_like_object_stream(data[:_PROBE_BYTES]):
            self.kind = "raw"
            self.scan.object_streams_read += 1
            self._raw(data)
        else:
            self.kind = "done"

    def _inflate(self, data):
        try:
            while data and not self.inflater.eof and self.kind == "inflate":
                self._counted(self.inflater.decompress(data, CHUNK_BYTES))
                data = self.inflater.unconsumed_tail
        except zlib.error:
            self.scan.unreadable = "an object stream that cannot be inflated (damaged)"
            self.kind = "done"
        if self.inflater.eof:
            self._note(b"", final=True)
            self.kind = "done"

    def _counted(self, out):
        if self.scan.count_inflated(len(out)):
            self._note(out)
        else:
            self.kind = "done"

    def _raw(self, data):
        ends = self.ends.feed(data)
        if ends:  # the object stream's data ends at "endstream"
            data = data[: max(0, ends[0][0] - self.raw_seen)]
            self.kind = "done"
        self.raw_seen += len(data)
        self._note(data, final=self.kind == "done")

    def _note(self, data, final=False):
        if self.names is None:
            return
        self.scan.found.update(_decoded(m[0]) for _, m, _ in self.names.feed(data, final=final))


class PdfScan:
    """Feed the file's bytes in order, then `finish()`. `found` holds the active names seen;
    `unreadable` says why an object stream could not be read ("" when all could)."""

    def __init__(self):
        self.found = set()
        self.unreadable = ""
        self._anywhere = _Pieces(_ANYWHERE)
        self._tokens = _Pieces(_TOKENS)
        self._in_stream_data = False
        self._streams = []  # _ObjectStream still being read
        self._stream_count = 0
        self._object_stream_names = 0
        self.object_streams_read = 0
        self._inflated = 0

    def feed(self, data, *, final=False):
        if self.found or self.unreadable:
            return  # refused already: nothing more to learn
        for _at, match, _buffer in self._anywhere.feed(data, final=final):
            name = _decoded(match[0])
            if name == OBJECT_STREAM:
                self._object_stream_names += 1
            else:
                self.found.add(name)
        for stream in self._streams:
            stream.feed(data)
        started = []
        for _at, match, buffer in self._tokens.feed(data, final=final):
            if match.lastgroup == "short":
                if not self._in_stream_data:
                    self.found.add(_decoded(match[0]))
            elif match.lastgroup == "end":
                self._in_stream_data = False
            else:
                self._in_stream_data = True
                self._stream_count += 1
                if self._stream_count > MAX_STREAMS:
                    self.unreadable = "more streams than this check reads"
                    return
                start, end = match.end(), len(buffer) - (1 if final else 0)
                if not _may_be_object_stream(buffer[start : start + 2]):
                    continue  # neither compressed nor a list of numbers: not one to read
                stream = _ObjectStream(self)
                # The rest of this piece now (its start first, enough to tell whether it is an
                # object stream: most are not, and need no copy of the rest); the next pieces
                # as they come.
                stream.feed(buffer[start : min(end, start + _PROBE_INPUT)])
                if stream.kind in ("inflate", "raw") and start + _PROBE_INPUT < end:
                    stream.feed(buffer[start + _PROBE_INPUT : end])
                started.append(stream)
        self._streams = [s for s in self._streams + started if s.kind != "done"]

    def finish(self):
        self.feed(b"", final=True)
        for stream in self._streams:
            stream.finish()
        if not self.unreadable and self._object_stream_names > self.object_streams_read:
            self.unreadable = "an object stream that cannot be read (encrypted, or encoded)"
        return self

    def count_inflated(self, size):
        self._inflated += size
        if self._inflated > MAX_INFLATED_BYTES:
            self.unreadable = "object streams too large to check"
            return False
        return True


def scan_pdf(f):
    """The PdfScan of a file, read from its start in chunks."""
    f.seek(0)
    scan = PdfScan()
    while chunk := f.read(CHUNK_BYTES):
        scan.feed(chunk)
    return scan.finish()
