"""Small but well-formed video files, built box by box (ISO/IEC 14496-12) and element by element (Matroska's
EBML), so tests upload files whose structure is real without committing binaries.

The media data is filler: nothing here decodes frames, and neither does media_pipeline.probe.
"""

import struct

FILLER = bytes(range(256)) * 40


# MP4 and QuickTime


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def large_box(kind: bytes, payload: bytes) -> bytes:
    """A box with the 64-bit size form (size field 1, then the real size)."""
    return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload


def full_box(kind: bytes, version: int, payload: bytes) -> bytes:
    return box(kind, bytes([version, 0, 0, 0]) + payload)


IDENTITY_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def mvhd(*, timescale: int, duration: int, version: int = 0) -> bytes:
    times = struct.pack(">QQIQ" if version else ">IIII", 0, 0, timescale, duration)
    rest = struct.pack(">IH10x", 0x10000, 0x100) + IDENTITY_MATRIX + bytes(24) + struct.pack(">I", 2)
    return full_box(b"mvhd", version, times + rest)


def video_track(*, timescale: int, duration: int) -> bytes:
    # creation and modification times, track id, reserved, duration, reserved, layer, group, volume, reserved
    header = struct.pack(">5I8x4H", 0, 0, 1, 0, duration, 0, 0, 0, 0)
    tkhd = full_box(b"tkhd", 0, header + IDENTITY_MATRIX + struct.pack(">II", 640 << 16, 360 << 16))
    mdhd = full_box(b"mdhd", 0, struct.pack(">IIIIHH", 0, 0, timescale, duration, 0x55C4, 0))
    hdlr = full_box(b"hdlr", 0, struct.pack(">I4s12x", 0, b"vide") + b"VideoHandler\x00")
    return box(b"trak", tkhd + box(b"mdia", mdhd + hdlr))


def mp4(
    seconds: float,
    *,
    timescale: int = 600,
    brand: bytes = b"mp42",
    version: int = 0,
    moov_last: bool = False,
    fragmented: bool = False,
    media: bytes = FILLER,
) -> bytes:
    """An MP4 (or, with brand b"qt  ", a QuickTime file) that runs `seconds`.

    moov_last puts the movie box after the media data, as cameras write it; version 1 uses 64-bit times and
    a 64-bit media box; fragmented leaves the movie header's duration 0 and states it in mvex/mehd instead.
    """
    compatible = brand if brand == b"qt  " else brand + b"isom"
    ftyp = box(b"ftyp", brand + b"\x00\x00\x02\x00" + compatible)
    ticks = round(seconds * timescale)
    movie_header = mvhd(timescale=timescale, duration=0 if fragmented else ticks, version=version)
    moov_children = movie_header + video_track(timescale=timescale, duration=ticks)
    if fragmented:
        mehd = full_box(b"mehd", version, struct.pack(">Q" if version else ">I", ticks))
        moov_children += box(b"mvex", mehd + full_box(b"trex", 0, struct.pack(">5I", 1, 1, 0, 0, 0)))
    moov = box(b"moov", moov_children)
    mdat = large_box(b"mdat", media) if version else box(b"mdat", media)
    return ftyp + (mdat + moov if moov_last else moov + mdat)


# WebM


def vint_size(size: int) -> bytes:
    """An EBML size: one byte when it fits, else the eight-byte form."""
    if size < 0x7F:
        return bytes([0x80 | size])
    return b"\x01" + size.to_bytes(7, "big")


UNKNOWN_SIZE = b"\x01\xff\xff\xff\xff\xff\xff\xff"


def element(element_id: int, payload: bytes, *, unknown_size: bool = False) -> bytes:
    id_bytes = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    return id_bytes + (UNKNOWN_SIZE if unknown_size else vint_size(len(payload))) + payload


EBML_HEADER = element(
    0x1A45DFA3,
    element(0x4286, b"\x01")  # EBMLVersion
    + element(0x42F7, b"\x01")  # EBMLReadVersion
    + element(0x42F2, b"\x04")  # EBMLMaxIDLength
    + element(0x42F3, b"\x08")  # EBMLMaxSizeLength
    + element(0x4282, b"webm")  # DocType
    + element(0x4287, b"\x04")  # DocTypeVersion
    + element(0x4285, b"\x02"),  # DocTypeReadVersion
)


def webm(
    seconds: float | None,
    *,
    timecode_scale: int = 1_000_000,
    float32: bool = False,
    unknown_segment_size: bool = False,
) -> bytes:
    """A WebM that runs `seconds`; None leaves the duration out, as a browser's MediaRecorder does."""
    info = element(0x2AD7B1, timecode_scale.to_bytes(4, "big")) + element(0x4D80, b"learnwell-tests")
    if seconds is not None:
        ticks = seconds * 1_000_000_000 / timecode_scale
        info += element(0x4489, struct.pack(">f" if float32 else ">d", ticks))
    tracks = element(0x1654AE6B, element(0xAE, element(0xD7, b"\x01") + element(0x86, b"V_VP9")))
    cluster = element(0x1F43B675, element(0xE7, b"\x00") + element(0xA3, FILLER[:200]))
    segment = element(0x18538067, element(0x1549A966, info) + tracks + cluster, unknown_size=unknown_segment_size)
    return EBML_HEADER + segment
