"""Reading a video's running time from its container (media_pipeline.probe), and what services make of it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings
from hypothesis import strategies as st

from media_pipeline import probe, services

from . import videos


def duration(data: bytes, content_type: str = "video/mp4") -> float | None:
    return probe.duration_seconds(io.BytesIO(data), size=len(data), content_type=content_type)


@pytest.mark.parametrize(
    ("data", "content_type", "seconds"),
    [
        (videos.mp4(95.4), "video/mp4", 95.4),
        (videos.mp4(12.5, moov_last=True), "video/mp4", 12.5),  # a camera's layout: media first
        (videos.mp4(3600.25, version=1, timescale=90000), "video/mp4", 3600.25),  # 64-bit times and box size
        (videos.mp4(7, fragmented=True), "video/mp4", 7),
        (videos.mp4(7, fragmented=True, version=1), "video/mp4", 7),
        (videos.mp4(61, brand=b"qt  "), "video/quicktime", 61),
        (videos.webm(42.5), "video/webm", 42.5),
        (videos.webm(42.5, float32=True, timecode_scale=1000), "video/webm", 42.5),
        (videos.webm(9, unknown_segment_size=True), "video/webm", 9),
    ],
    ids=["mp4", "moov-last", "64-bit", "fragmented", "fragmented-64-bit", "quicktime", "webm", "webm-float32", "live"],
)
def test_the_running_time_is_read_from_the_container(data, content_type, seconds):
    assert duration(data, content_type) == pytest.approx(seconds, abs=0.001)


def test_files_that_do_not_record_their_length_give_none():
    assert duration(videos.webm(None), "video/webm") is None  # as a browser's recorder writes it
    unstated = videos.mp4(7, fragmented=True).replace(b"mehd", b"skip")  # fragmented, without the total
    assert duration(unstated) is None


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (videos.mp4(10)[:-100], "video/mp4"),  # cut off in the media data
        (videos.mp4(10, moov_last=True)[:-30], "video/mp4"),  # cut off in the movie box
        (videos.box(b"ftyp", b"mp42\x00\x00\x00\x00mp42") + videos.box(b"mdat", videos.FILLER), "video/mp4"),
        (videos.box(b"ftyp", b"mp42\x00\x00\x00\x00mp42") + videos.box(b"moov", b""), "video/mp4"),  # no mvhd
        (videos.mp4(10).replace(b"\x00\x00\x02\x58", b"\x00\x00\x00\x00", 1), "video/mp4"),  # time scale 0
        (videos.EBML_HEADER, "video/webm"),  # no segment
        (videos.webm(3)[:-50], "video/webm"),
    ],
    ids=["cut-media", "cut-moov", "no-moov", "no-mvhd", "no-time-scale", "no-segment", "cut-webm"],
)
def test_a_damaged_container_is_unreadable(data, content_type):
    with pytest.raises(probe.Unreadable):
        duration(data, content_type)


@settings(max_examples=300, deadline=None)
@given(
    base=st.sampled_from([videos.mp4(5), videos.mp4(5, version=1, fragmented=True), videos.webm(5)]),
    cut=st.integers(min_value=0, max_value=2000),
    noise=st.binary(max_size=64),
    at=st.integers(min_value=0, max_value=2000),
)
def test_any_bytes_give_a_duration_none_or_unreadable_and_nothing_else(base, cut, noise, at):
    """Uploads are hostile input: a crafted file must end as a form error, never as an exception of its own."""
    data = base[: max(0, len(base) - cut)]
    data = data[:at] + noise + data[at + len(noise) :]
    content_type = "video/webm" if base.startswith(b"\x1a\x45\xdf\xa3") else "video/mp4"
    try:
        result = duration(data, content_type)
    except probe.Unreadable:
        return
    assert result is None or result >= 0


def test_services_round_to_whole_seconds_and_turn_damage_into_an_upload_error():
    upload = SimpleUploadedFile("a.mp4", videos.mp4(83.6))
    assert services.read_duration(upload, content_type="video/mp4") == 84
    assert upload.tell() == 0  # left ready for the storage to copy

    assert services.read_duration(SimpleUploadedFile("b.mp4", videos.mp4(0.2)), content_type="video/mp4") == 1
    assert services.read_duration(SimpleUploadedFile("c.webm", videos.webm(None)), content_type="video/webm") is None

    with pytest.raises(services.UploadRejected, match="damaged or incomplete"):
        services.read_duration(SimpleUploadedFile("d.mp4", videos.mp4(10)[:-100]), content_type="video/mp4")
    # A length no column can hold is not believed either.
    absurd = videos.mp4(1).replace(b"\x00\x00\x02\x58\x00\x00\x02\x58", b"\x00\x00\x00\x01\xff\xff\xff\xfe", 1)
    with pytest.raises(services.UploadRejected):
        services.read_duration(SimpleUploadedFile("e.mp4", absurd), content_type="video/mp4")
