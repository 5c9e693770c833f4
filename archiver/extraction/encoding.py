"""Bytes as the server sent them in, text out: the charset chosen as a careful archivist would, and why.

Order of evidence: a byte-order mark; then the declarations (HTTP `Content-Type`, `<meta>`, `<?xml?>`),
each accepted only when the bytes agree with it; then detection (strict UTF-8, the two Arabic code pages
scored against each other, charset-normalizer); last, windows-1252 with replacement characters, flagged
'default' (the only lossy decode). Afterwards UTF-8 Arabic that was once misread as cp1256 or windows-1252
and stored again (mojibake) is repaired and flagged. Pure: no I/O, never prints, never raises on any bytes.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import islice

import charset_normalizer

SAMPLE_BYTES = 64 * 1024  # detection reads this much, from just before the first non-ASCII byte
PRESCAN_BYTES = 4096  # <meta> and <?xml?> declarations are looked for in the head only
DOUBTED_HIGH_BIT_SHARE = 0.30  # a legacy declaration is doubted only above this share of non-ASCII text bytes
ARABIC_SHARE_MIN = 0.80  # share of the non-ASCII letters that must be Arabic for an Arabic code page
ARABIC_LETTERS_MIN = 6
BAD_CHAR_SHARE_MAX = 0.02  # undefined bytes and C1 controls, as a share of non-ASCII characters
MIXED_SCRIPT_SHARE_MAX = 0.05  # Arabic letters glued to Latin letters, as a share of Arabic letters
ARABIC_RIVAL_MARGIN = 0.10  # a declared Arabic code page loses to the other one only by this score margin
MOJIBAKE_DENSITY_MIN = 0.50  # share of non-ASCII characters that sit in mojibake-shaped words
MOJIBAKE_CHARS_MIN = 6
MOJIBAKE_SAMPLE_WORDS = 20_000  # the repair decision reads this many non-ASCII words
MOJIBAKE_SCAN_CHARS = 400_000  # the pre-check counts markers this far into the text
# 'ا' and 'ل' (the commonest Arabic letters) as UTF-8 read through cp1256 and through windows-1252/latin-1. These
# pairs never occur in genuine Arabic ('§' and '„' are not Arabic), so counting them is a cheap, exact pre-check.
MOJIBAKE_MARKERS = ("ط§", "ظ„", "Ø§", "Ù\x84", "Ù„")
MOJIBAKE_MARKERS_MIN = 3
LATIN_PREFERRED = "cp1252"  # among the detector's Latin candidates, the one Western news pages use
LATIN_SHARE_MIN = 0.80  # share of a guess's non-ASCII letters that must be Latin for that preference

# WHATWG labels (encoding.spec.whatwg.org, "Names and labels") that Python's codec registry does not know.
_EXTRA_LABELS: dict[str, str] = {
    **dict.fromkeys(["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"], "utf-8"),
    **dict.fromkeys(["iso-8859-6-e", "iso-8859-6-i", "csiso88596e", "csiso88596i", "iso88596"], "iso8859-6"),
    **dict.fromkeys(["iso-8859-8-e", "iso-8859-8-i", "csiso88598e", "csiso88598i", "logical", "visual"], "iso8859-8"),
    **{f"x-cp125{digit}": f"cp125{digit}" for digit in range(9)},
    **{f"iso8859{part}": f"iso8859-{part}" for part in (1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 13, 14, 15)},
    **dict.fromkeys(["windows-874", "dos-874"], "cp874"),
    **dict.fromkeys(["x-mac-roman", "csmacintosh", "mac"], "mac-roman"),
    **dict.fromkeys(["x-mac-cyrillic", "x-mac-ukrainian"], "mac-cyrillic"),
    **dict.fromkeys(["windows-31j", "x-sjis", "csshiftjis", "ms932", "ms_kanji"], "cp932"),
    **dict.fromkeys(["x-gbk", "iso-ir-58", "csgb2312", "chinese"], "gb18030"),
    **dict.fromkeys(["x-euc-jp", "cseucpkdfmtjapanese"], "euc_jp"),
}
# Where a WHATWG decoder is not the codec Python finds under the same label, decode as browsers do.
_WHATWG_CODEC: dict[str, str] = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "utf-16": "utf-16-le",
    "utf-8-sig": "utf-8",
}
_UNICODE = frozenset({"utf-8", "utf-16-le", "utf-16-be"})
_MULTI_BYTE_LEGACY = frozenset({"gb18030", "big5hkscs", "euc_jp", "iso2022_jp", "cp932", "cp949"})
_SINGLE_BYTE = frozenset(
    {f"cp125{digit}" for digit in range(9)}
    | {f"iso8859-{part}" for part in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)}
    | {"cp866", "cp874", "koi8-r", "koi8-u", "mac-roman", "mac-cyrillic"}
)
# A declaration may only name a WHATWG encoding; anything else (utf-7, x-user-defined, rot-13...) is ignored.
_DECLARABLE = _UNICODE | _MULTI_BYTE_LEGACY | _SINGLE_BYTE
_ARABIC_CODE_PAGES = ("cp1256", "iso8859-6")  # order breaks ties: cp1256 is by far the more common on the web
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_TRUNCATION_REASONS = frozenset({"unexpected end of data", "truncated data"})

_LABEL_SHAPE = re.compile(r"[a-z0-9._:-]{1,40}")
_CHARSET_PARAMETER = re.compile(r"""charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;,"']+))""", re.I)
_COMMENT = re.compile(rb"<!--.*?(?:-->|\Z)", re.S)
_META_TAG = re.compile(rb"<meta(?=[\s/>])([^>]*)>", re.I)
_ATTRIBUTE = re.compile(rb"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")
_XML_DECLARATION = re.compile(rb"""\A\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']?([^"'\s?>]+)""", re.I)
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_HIGH_BYTES = bytes(range(0x80, 0x100))
_ASCII_ALNUM = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SKIPPED_OPEN = re.compile(rb"<(?:(script|style)\b|!--)", re.I)
_SKIPPED_CLOSE = {
    b"script": re.compile(rb"</script\s*>", re.I),
    b"style": re.compile(rb"</style\s*>", re.I),
    b"": re.compile(rb"-->"),
}
_TAG = re.compile(rb"<[^<>]*>")
_ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u0671-\u06d3]")
_NON_ASCII_LETTER = re.compile(r"[^\W\d_\x00-\x7f]")
_BAD_CHAR = re.compile(r"[\x80-\x9f\ufffd]")
_MIXED_SCRIPT = re.compile(
    r"[\u0620-\u064a\u0671-\u06d3](?=[A-Za-z\u00c0-\u024f])|[A-Za-z\u00c0-\u024f](?=[\u0620-\u064a\u0671-\u06d3])"
)
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


@dataclass(frozen=True)
class DecodedPage:
    text: str
    encoding: str  # Python codec name used, normalised: 'utf-8', 'cp1256', 'iso8859-6', 'cp1252', ...
    method: str  # 'bom' | 'http-header' | 'meta' | 'xml-declaration' | 'detected' | 'default'
    declared: str | None  # the declaration used, else the first one made (normalised codec name), else None
    repaired: bool  # True when double-encoded UTF-8 (mojibake) was repaired in `text`


@dataclass(frozen=True)
class _Declaration:
    codec: str
    method: str
    ascii_label: bool  # declared 'us-ascii' and the like: WHATWG reads it as windows-1252


@dataclass(frozen=True)
class _ArabicFit:
    codec: str
    score: float
    plausible: bool


def decode_html(body: bytes, headers: Mapping[str, str] | None = None) -> DecodedPage:
    """Decode a response body. Every decode is strict except the last resort, whose method is 'default'."""
    declarations = _declarations(body, headers)
    first_declared = declarations[0].codec if declarations else None
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = _strict_decode(body[len(bom) :], codec)
            if text is not None:
                return _finish(text, codec, "bom", first_declared)
    utf8_text = _strict_decode(body, "utf-8")
    sample = _text_sample(body)
    arabic = _arabic_fits(sample) if utf8_text is None else []
    declared_codecs = frozenset(declaration.codec for declaration in declarations)
    tried: set[str] = set()
    for declaration in declarations:
        contradicted = _contradicted(declaration, declared_codecs, body, utf8_text, sample, arabic)
        if declaration.codec in tried or contradicted:
            continue
        tried.add(declaration.codec)
        text = utf8_text if declaration.codec == "utf-8" else _strict_decode(body, declaration.codec)
        if text is not None:
            return _finish(text, declaration.codec, declaration.method, declaration.codec)
    if utf8_text is not None:
        return _finish(utf8_text, "utf-8", "detected", first_declared)
    detected = _detect(body, sample, arabic)
    if detected is not None:
        return _finish(detected[0], detected[1], "detected", first_declared)
    return _finish(body.decode("cp1252", errors="replace"), "cp1252", "default", first_declared)


def content_type_charset(content_type: str | None) -> str | None:
    """The codec a Content-Type names ('text/html; charset=Windows-1256' -> 'cp1256'); None if unknown."""
    label = _charset_label(content_type or "")
    resolved = None if label is None else _resolve_label(label)
    return None if resolved is None else resolved[0]


def repair_mojibake(text: str) -> str | None:
    """Undo UTF-8 that was read as cp1256 (`ط§ظ„`) or windows-1252/latin-1 (`Ø§Ù„`) and stored again.

    Returns the repaired text, or None when the text is not dense with such words: genuine Arabic where a
    letter happens to meet a punctuation mark that cp1256 shares with UTF-8 continuation bytes is left alone.
    Only whole non-ASCII words that re-encode to valid UTF-8 are replaced; anything else stays as it was.
    """
    sample = text[:MOJIBAKE_SCAN_CHARS]
    if sum(sample.count(marker) for marker in MOJIBAKE_MARKERS) < MOJIBAKE_MARKERS_MIN:
        return None
    words = [match.group() for match in islice(_NON_ASCII_RUN.finditer(text), MOJIBAKE_SAMPLE_WORDS)]
    total = sum(len(word) for word in words)
    best: tuple[int, _MojibakeShape] | None = None
    for shape in _MOJIBAKE_SHAPES:
        covered = sum(len(word) for word in words if shape.undo(word) is not None)
        if covered >= MOJIBAKE_CHARS_MIN and covered >= MOJIBAKE_DENSITY_MIN * total:
            best = (covered, shape) if best is None or covered > best[0] else best
    if best is None:
        return None
    shape = best[1]
    try:  # fast path: a wholly double-encoded text re-reads at once (valid UTF-8: every word was mojibake)
        return shape.to_bytes(text).decode("utf-8")
    except UnicodeError:
        return _NON_ASCII_RUN.sub(lambda match: shape.undo(match.group()) or match.group(), text)


class _MojibakeShape:
    """UTF-8 sequences as they look after a single-byte decode: a lead character, then continuations."""

    def __init__(self, codec: str) -> None:
        byte_chars = _high_half(codec)

        def chars(low: int, high: int) -> str:
            return re.escape("".join(byte_chars[byte] for byte in range(low, high)))

        continuation, hah_lead = chars(0x80, 0xC0), byte_chars[0xD8]
        unit = (
            f"[{chars(0xC2, 0xE0)}][{continuation}]|[{chars(0xE0, 0xF0)}][{continuation}]{{2}}"
            f"|[{chars(0xF0, 0xF5)}][{continuation}]{{3}}|{hah_lead}(?![{continuation}])"
        )
        self._word = re.compile(f"(?:{unit})+")
        self._continuation = re.compile(f"[{continuation}]")
        # 'ح' is D8 AD in UTF-8 and 0xAD is a soft hyphen in both code pages, which pipelines strip: a D8 lead
        # left without a continuation was almost always 'ح'.
        self._lost_hah = re.compile(f"{hah_lead}(?![{continuation}])")
        self._hah = hah_lead + byte_chars[0xAD][0]
        self._codec = codec
        self._to_latin1 = str.maketrans({char: chr(byte) for byte, seen in byte_chars.items() for char in seen})

    def to_bytes(self, text: str) -> bytes:
        """The bytes the text was decoded from; UnicodeEncodeError if it holds a character the shape lacks."""
        if self._codec == "cp1256":  # every cp1256 byte is defined, so its own encoder is exact (and fast)
            return text.encode("cp1256")
        return text.translate(self._to_latin1).encode("latin-1")

    def undo(self, word: str) -> str | None:
        """The word re-read as UTF-8, or None when it is not entirely mojibake."""
        if self._word.fullmatch(word) is None or self._continuation.search(word) is None:
            return None
        try:
            return self.to_bytes(self._lost_hah.sub(self._hah, word)).decode("utf-8")
        except UnicodeError:
            return None


def _high_half(codec: str) -> dict[int, str]:
    """Each byte 0x80-0xFF as the character(s) a single-byte decode may have turned it into."""
    table: dict[int, str] = {}
    for byte in range(0x80, 0x100):
        char = bytes([byte]).decode(codec, errors="replace")
        # windows-1252 holes come out as C1 controls (WHATWG), and text read as true latin-1 has C1 controls
        latin1_control = chr(byte) if codec == "cp1252" and byte < 0xA0 else ""
        table[byte] = latin1_control if char == "\ufffd" else char + latin1_control
    return table


_MOJIBAKE_SHAPES = (_MojibakeShape("cp1256"), _MojibakeShape("cp1252"))


def _finish(text: str, codec: str, method: str, declared: str | None) -> DecodedPage:
    repaired = repair_mojibake(text)
    return DecodedPage(repaired or text, codec, method, declared, repaired is not None)


def _strict_decode(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        if not (error.end == len(data) and error.reason in _TRUNCATION_REASONS and codec in _UNICODE):
            return None
        cut = error.start
    except (LookupError, ValueError):
        return None
    # A capture cut inside its last character is still in that encoding; the partial character becomes U+FFFD.
    head = _strict_decode(data[:cut], codec) if cut < len(data) else None
    return None if head is None else head + "\ufffd"


def _declarations(body: bytes, headers: Mapping[str, str] | None) -> list[_Declaration]:
    header_label = _charset_label(_header(headers, "content-type") or "")
    found: list[tuple[str | None, str]] = [(header_label, "http-header")]
    head = _COMMENT.sub(b"", body[:PRESCAN_BYTES])
    for tag in _META_TAG.finditer(head):
        attributes: dict[str, str] = {}
        for attribute in _ATTRIBUTE.finditer(tag.group(1)):
            value = attribute.group(2) or attribute.group(3) or attribute.group(4) or b""
            attributes.setdefault(attribute.group(1).decode("latin-1").lower(), value.decode("latin-1"))
        if "charset" in attributes:
            found.append((attributes["charset"], "meta"))
        elif attributes.get("http-equiv", "").strip().lower() == "content-type":
            found.append((_charset_label(attributes.get("content", "")), "meta"))
    xml = _XML_DECLARATION.match(body[:PRESCAN_BYTES])
    found.append((xml.group(1).decode("latin-1") if xml else None, "xml-declaration"))
    declarations: list[_Declaration] = []
    for label, method in found:
        resolved = None if label is None else _resolve_label(label)
        if resolved is None or (method == "meta" and any(d.method == "meta" for d in declarations)):
            continue  # the first meta that names a known encoding wins, as in the WHATWG prescan
        codec, ascii_label = resolved
        if method != "http-header" and codec.startswith("utf-16"):
            codec = "utf-8"  # a declaration readable as ASCII cannot be UTF-16 (WHATWG does the same)
        declarations.append(_Declaration(codec, method, ascii_label))
    return declarations


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        key_text = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key_text.lower() == name:
            return value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return None


def _charset_label(value: str) -> str | None:
    match = _CHARSET_PARAMETER.search(value)
    return None if match is None else next(group for group in match.groups() if group is not None)


def _resolve_label(label: str) -> tuple[str, bool] | None:
    label = label.strip().strip("\"'").strip().lower()
    if _LABEL_SHAPE.fullmatch(label) is None:
        return None
    name = _EXTRA_LABELS.get(label)
    if name is None:
        try:
            name = codecs.lookup(label).name
        except LookupError:
            return None
    codec = _WHATWG_CODEC.get(name, name)
    return (codec, name == "ascii") if codec in _DECLARABLE else None


def _contradicted(
    declaration: _Declaration,
    declared_codecs: frozenset[str],
    body: bytes,
    utf8_text: str | None,
    sample: bytes,
    arabic: list[_ArabicFit],
) -> bool:
    """True when the bytes say the declaration is wrong (a strict decode is checked separately)."""
    codec = declaration.codec
    if codec == "utf-8":
        return utf8_text is None
    if codec.startswith("utf-16"):
        return b"\x00" not in body[:SAMPLE_BYTES]  # markup in UTF-16 is full of NUL bytes
    if body.isascii():
        return False
    if declaration.ascii_label or utf8_text is not None:
        return True  # non-ASCII under an ASCII label, or "legacy" bytes that are valid UTF-8 (rarely so)
    best = next((fit for fit in arabic if fit.plausible), None)
    if codec not in _SINGLE_BYTE or best is None or best.codec == codec:
        return False
    # Statistics alone overrule a declaration only on text dense in high bytes; another declaration of the
    # same Arabic code page (a server default of latin-1 against the page's own meta) is enough without.
    if best.codec not in declared_codecs and _high_bit_share(sample) <= DOUBTED_HIGH_BIT_SHARE:
        return False
    own = next((fit for fit in arabic if fit.codec == codec), None)
    return own is None or best.score > own.score + ARABIC_RIVAL_MARGIN


def _text_sample(body: bytes) -> bytes:
    """Up to SAMPLE_BYTES of visible text (no tags, scripts, styles, comments) near the first high byte."""
    first = _HIGH_BYTE.search(body)
    start = 0 if first is None else max(0, first.start() - 1024)
    window = body[start : start + SAMPLE_BYTES]
    kept: list[bytes] = []
    position = 0
    while (opening := _SKIPPED_OPEN.search(window, position)) is not None:
        kept.append(window[position : opening.start()])
        closing = _SKIPPED_CLOSE[(opening.group(1) or b"").lower()].search(window, opening.end())
        position = len(window) if closing is None else closing.end()
    kept.append(window[position:])
    return _TAG.sub(b" ", b"".join(kept))


def _high_bit_share(sample: bytes) -> float:
    high = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    alnum = len(sample) - len(sample.translate(None, _ASCII_ALNUM))
    return high / (high + alnum) if high + alnum else 0.0


def _arabic_fits(sample: bytes) -> list[_ArabicFit]:
    """Both Arabic code pages scored on the sample, best first (cp1256 first on a tie)."""
    fits = [_arabic_fit(sample, codec) for codec in _ARABIC_CODE_PAGES]
    return sorted(fits, key=lambda fit: (not fit.plausible, -fit.score))


def _arabic_fit(sample: bytes, codec: str) -> _ArabicFit:
    text = sample.decode(codec, errors="replace")
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    arabic = len(_ARABIC_LETTER.findall(text))
    letters = len(_NON_ASCII_LETTER.findall(text))
    bad = len(_BAD_CHAR.findall(text))
    mixed = len(_MIXED_SCRIPT.findall(text))
    arabic_share = arabic / letters if letters else 0.0
    bad_share = bad / non_ascii if non_ascii else 0.0
    mixed_share = mixed / arabic if arabic else 0.0
    plausible = (
        arabic >= ARABIC_LETTERS_MIN
        and arabic_share >= ARABIC_SHARE_MIN
        and bad_share <= BAD_CHAR_SHARE_MAX
        and mixed_share <= MIXED_SCRIPT_SHARE_MAX
    )
    return _ArabicFit(codec, arabic_share - bad_share - mixed_share, plausible)


def _detect(body: bytes, sample: bytes, arabic: list[_ArabicFit]) -> tuple[str, str] | None:
    """(text, codec) for a body that is not UTF-8 and has no usable declaration."""
    for fit in arabic:
        text = _strict_decode(body, fit.codec) if fit.plausible else None
        if text is not None:
            return text, fit.codec
    guesses = _normalizer_guesses(sample)
    if LATIN_PREFERRED in guesses[1:] and _prefer_latin(sample, guesses[0]):
        guesses.insert(0, LATIN_PREFERRED)
    for guess in guesses:
        text = _strict_decode(body, guess)
        if text is not None:
            return text, guess
    return None


def _prefer_latin(sample: bytes, guess: str) -> bool:
    """The detector ranks Latin code pages almost at random on short text ('crème' came out as Baltic
    'crčme'); Western pages here are windows-1252, so it wins a Latin guess that it reads as many letters of."""
    guessed = _NON_ASCII_LETTER.findall(sample.decode(guess, "replace"))
    latin = sum(1 for letter in guessed if "\u00c0" <= letter <= "\u024f")
    preferred = _NON_ASCII_LETTER.findall(sample.decode(LATIN_PREFERRED, "replace"))
    return latin >= LATIN_SHARE_MIN * len(guessed) and len(preferred) >= len(guessed)


def _normalizer_guesses(sample: bytes) -> list[str]:
    """charset-normalizer's candidates, best first, each followed by the code pages that read the same."""
    try:
        names = [name for match in charset_normalizer.from_bytes(sample) for name in match.could_be_from_charset]
    except Exception:  # a guessing library's failure must not lose a capture: fall through to 'default'
        return []
    codecs_found: list[str] = []
    for name in names:
        try:
            codecs_found.append(codecs.lookup(name).name)
        except LookupError:
            continue
    return list(dict.fromkeys(codecs_found))
