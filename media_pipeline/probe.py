"""Reads a video's running time from its container, without decoding anything or any tool outside Python.

MP4 and QuickTime (ISO base media) keep it in the movie header box, `moov/mvhd` (or, for a fragmented file,
`moov/mvex/mehd`); WebM in the segment's `Info` element. Only box and element headers are read, seeking past
everything else, so a large upload costs a few dozen small reads.

A file whose structure is broken (cut off, or without the movie header every MP4 needs) raises Unreadable.
A well-formed file that simply does not record its length (a WebM straight from a browser's recorder)
gives None: the editor enters it.
"""

import math
import struct
from collections.abc import Iterator
from typing import IO

ISO_CONTAINERS = {"video/mp4", "video/quicktime"}
WEBM = "video/webm"


class Unreadable(Exception):
    """The container is damaged or incomplete; the message says where, for the logs."""


def duration_seconds(stream: IO[bytes], *, size: int, content_type: str) -> float | None:
    """The running time in seconds, None when the file does not say; Unreadable when it is broken."""
    if content_type in ISO_CONTAINERS:
        return _iso_duration(stream, size)
    if content_type == WEBM:
        return _webm_duration(stream, size)
    return None


def _read_exactly(stream: IO[bytes], count: int) -> bytes:
    data = stream.read(count)
    if len(data) != count:
        raise Unreadable("the file ends in the middle of a header")
    return data


# ISO base media (MP4, MOV)


def _boxes(stream: IO[bytes], start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, end) of each box from `start` to `end`."""
    offset = start
    while end - offset >= 8:
        stream.seek(offset)
        size, kind = struct.unpack(">I4s", _read_exactly(stream, 8))
        header = 8
        if size == 1:  # a 64-bit size follows the type
            (size,) = struct.unpack(">Q", _read_exactly(stream, 8))
            header = 16
        elif size == 0:  # the box runs to the end of its parent
            size = end - offset
        if size < header or offset + size > end:
            raise Unreadable(f"box {kind!r} at {offset} claims {size} bytes, past the end")
        yield kind, offset + header, offset + size
        offset += size


def _child(stream: IO[bytes], kind: bytes, start: int, end: int) -> tuple[int, int] | None:
    return next(((payload, box_end) for found, payload, box_end in _boxes(stream, start, end) if found == kind), None)


def _iso_duration(stream: IO[bytes], size: int) -> float | None:
    # Every top-level box is walked, not just up to the movie box: a file cut off in its media data is incomplete.
    moov = None
    for kind, payload, end in _boxes(stream, 0, size):
        if kind == b"moov" and moov is None:
            moov = (payload, end)
    if moov is None:
        raise Unreadable("no movie box (moov)")
    mvhd = _child(stream, b"mvhd", *moov)
    if mvhd is None:
        raise Unreadable("no movie header (mvhd)")
    stream.seek(mvhd[0])
    version = _read_exactly(stream, 4)[0]
    if version == 1:
        _, _, timescale, duration = struct.unpack(">QQIQ", _read_exactly(stream, 28))
        unknown = 0xFFFFFFFFFFFFFFFF
    else:
        _, _, timescale, duration = struct.unpack(">IIII", _read_exactly(stream, 16))
        unknown = 0xFFFFFFFF
    if not timescale:
        raise Unreadable("the movie header has no time scale")
    if duration and duration != unknown:
        return duration / timescale
    # A fragmented MP4 leaves the movie header's duration empty and may give the total in mvex/mehd.
    mvex = _child(stream, b"mvex", *moov)
    mehd = _child(stream, b"mehd", *mvex) if mvex else None
    if mehd is None:
        return None
    stream.seek(mehd[0])
    version = _read_exactly(stream, 4)[0]
    width = 8 if version == 1 else 4
    fragments_duration = int.from_bytes(_read_exactly(stream, width), "big")
    return fragments_duration / timescale if fragments_duration else None


# WebM (Matroska's EBML)

EBML_HEADER = 0x1A45DFA3
SEGMENT = 0x18538067
INFO = 0x1549A966
CLUSTER = 0x1F43B675
TIMECODE_SCALE = 0x2AD7B1
DURATION = 0x4489
DEFAULT_TIMECODE_SCALE = 1_000_000  # nanoseconds per tick


def _vint(stream: IO[bytes], *, keep_marker: bool) -> tuple[int, int, bool]:
    """(value, length in bytes, whether all value bits are set: an "unknown" size)."""
    first = _read_exactly(stream, 1)[0]
    if first == 0:
        raise Unreadable("an element header longer than 8 bytes")
    length = 9 - first.bit_length()
    value = first if keep_marker else first & (0xFF >> length)
    for byte in _read_exactly(stream, length - 1):
        value = (value << 8) | byte
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return value, length, unknown


def _elements(stream: IO[bytes], start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(id, payload start, end) of each element from `start` to `end`; an unknown size runs to `end`."""
    offset = start
    while offset < end:
        stream.seek(offset)
        element_id, id_length, _ = _vint(stream, keep_marker=True)
        size, size_length, unknown = _vint(stream, keep_marker=False)
        payload = offset + id_length + size_length
        element_end = end if unknown else payload + size
        if element_end > end:
            raise Unreadable(f"element {element_id:#x} at {offset} runs past the end")
        yield element_id, payload, element_end
        offset = element_end


def _webm_duration(stream: IO[bytes], size: int) -> float | None:
    segment = next(((payload, end) for found, payload, end in _elements(stream, 0, size) if found == SEGMENT), None)
    if segment is None:
        raise Unreadable("no segment")
    for element_id, payload, end in _elements(stream, *segment):
        if element_id == CLUSTER:
            return None  # the media has started: this file keeps no Info before it
        if element_id == INFO:
            return _info_duration(stream, payload, end)
    return None


def _info_duration(stream: IO[bytes], start: int, end: int) -> float | None:
    scale, duration = DEFAULT_TIMECODE_SCALE, None
    for element_id, payload, element_end in _elements(stream, start, end):
        if element_id not in (TIMECODE_SCALE, DURATION):
            continue
        if element_end - payload > 8:
            raise Unreadable(f"element {element_id:#x} is longer than a number")
        stream.seek(payload)
        data = _read_exactly(stream, element_end - payload)
        if element_id == TIMECODE_SCALE and data:
            scale = int.from_bytes(data, "big")
        elif element_id == DURATION:
            if len(data) not in (4, 8):
                raise Unreadable("a duration that is not a 4- or 8-byte float")
            (duration,) = struct.unpack(">f" if len(data) == 4 else ">d", data)
    if duration is None or not math.isfinite(duration) or duration <= 0 or not scale:
        return None
    return duration * scale / 1_000_000_000
