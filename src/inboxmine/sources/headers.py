"""Header values as people read them: unfolded, 8-bit recovered, RFC 2047 decoded.

Everything here is tolerant and linear-time: a header is hostile input (broken
encoded words, unknown charsets, raw Latin-1 bytes, megabyte-long lines), and
the stdlib's strict header parser can be quadratic or raise on such input.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re

#: Longest header value kept (characters); longer ones are cut, with a note.
MAX_HEADER_VALUE = 16_384
#: Most characters of all stored header values together.
MAX_HEADERS_TOTAL = 262_144

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,64})\?([bBqQ])\?([^?]*?)\?=")
# Whitespace between two adjacent encoded words is not part of the text.
_BETWEEN_WORDS = re.compile(r"(\?=)[ \t\r\n]+(?==\?[^?\s]{1,64}\?[bBqQ]\?)")
_SURROGATES = re.compile("[\udc80-\udcff]")
_FOLD = re.compile(r"\r?\n[ \t]+|\r?\n")

# Charset labels seen in the wild that Python does not know by that name.
_CHARSET_ALIASES = {
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "latin-1",
    "unknown-8bit": "latin-1",
    "x-user-defined": "latin-1",
    "default": "latin-1",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",  # a superset: GB2312-labelled mail often uses GBK characters
    "gbk": "gb18030",
    "x-mac-roman": "mac-roman",
    "us-ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
}


def python_codec(charset: str | None) -> str | None:
    """The Python codec name for a MIME charset label, or None if unknown."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    label = label.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*en
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None


def bytes_to_text(data: bytes, charset: str | None = None) -> str:
    """Decode header bytes: declared charset, else UTF-8, else Windows-1252.

    Raw 8-bit headers are usually UTF-8 today and Windows-1252 in older mail;
    Windows-1252 (via latin-1 for its undefined bytes) never fails.
    """
    codec = python_codec(charset)
    if codec and codec not in ("ascii", "utf-8"):
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def raw_header_text(value: str | bytes) -> str:
    """A raw header value from the parser, as text, unfolded.

    The bytes parser smuggles 8-bit bytes through as surrogate escapes; they
    are turned back into bytes and decoded properly here.
    """
    if isinstance(value, bytes):
        text = bytes_to_text(value)
    else:
        text = value
        if not text.isascii() and _SURROGATES.search(text):
            text = bytes_to_text(text.encode("ascii", "surrogateescape"))
    return _FOLD.sub(" ", text).strip()


def _decode_word(charset: str, encoding: str, payload: str) -> str:
    if encoding in "bB":
        cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
        cleaned += "=" * (-len(cleaned) % 4)
        try:
            data = base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            data = payload.encode("latin-1", "replace")
    else:
        data = quopri.decodestring(
            payload.replace("_", " ").encode("latin-1", "replace"), header=False
        )
    return bytes_to_text(data, charset)


def decode_words(text: str) -> str:
    """Decode RFC 2047 encoded words (``=?utf-8?B?...?=``) anywhere in ``text``.

    Tolerates what mail clients tolerate: encoded words inside quotes or
    glued to other text, unknown charsets, broken base64 padding; an
    unterminated word is left as it is.
    """
    if "=?" not in text:
        return text
    text = _BETWEEN_WORDS.sub(r"\1", text)
    return _ENCODED_WORD.sub(lambda m: _decode_word(m.group(1), m.group(2), m.group(3)), text)


def header_text(value: str | bytes) -> str:
    """A header value ready to show: unfolded, 8-bit recovered, encoded words decoded."""
    return decode_words(raw_header_text(value))


def clip(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters, and whether it was cut."""
    if len(text) <= limit:
        return text, False
    return text[:limit], True
