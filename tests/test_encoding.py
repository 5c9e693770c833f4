"""Charset choice: declarations checked against the bytes, Libyan-aware detection, mojibake repair.

All Arabic sentences here were written for these tests.
"""

from __future__ import annotations

from collections.abc import Callable

import charset_normalizer
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.extraction.encoding import DecodedPage, content_type_charset, decode_html, repair_mojibake

LIBRARY = "أعلنت البلدية عن افتتاح مكتبة عامة جديدة في وسط المدينة، وستفتح أبوابها للقراء كل يوم من الصباح حتى المساء."
PORT = "قال مسؤول في الميناء إن السفن التجارية عادت إلى العمل بعد توقف قصير بسبب سوء الأحوال الجوية."
# Full of words that start with ط or ظ, plus a ط met by a comma and a question mark: must never be "repaired".
TA_ZA = (
    "ظل الطقس طيلة الظهيرة ظاهرا بطيئا، وظن الطلاب أن الطريق طويل فطلبوا طعاما وطبقا من الطماطم. "
    "ظهر الطبيب وطمأن الطفل بعد الضغط، ثم طرح سؤالا: هل انتهى الخط؟ وطاف الطائر فوق الطاولة طويلا."
)
ENGLISH = "The municipal council said the new library opens on Sunday; the port resumed work after a short stop."


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html>\n<html><head>{head}<title>صفحة</title></head><body>\n{body}\n</body></html>\n"


ARABIC_PAGE = page(f"<h1>أخبار المدينة</h1>\n<p>{LIBRARY}</p>\n<p>{PORT}</p>\n<p>{TA_ZA}</p>")


# -- content_type_charset --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "codec"),
    [
        ("text/html; charset=Windows-1256", "cp1256"),
        ("text/html;charset=cp1256", "cp1256"),
        ("text/html; charset=x-cp1256", "cp1256"),
        ('text/html; charset="UTF-8"', "utf-8"),
        ("text/html; charset='utf8'", "utf-8"),
        ("text/html; charset=ISO-8859-1", "cp1252"),  # WHATWG: latin-1 labels mean windows-1252
        ("text/html; charset=latin1", "cp1252"),
        ("text/html; charset=us-ascii", "cp1252"),
        ("text/html; charset=arabic", "iso8859-6"),
        ("text/html; charset=ISO_8859-6", "iso8859-6"),
        ("text/html; charset=iso-8859-6-i", "iso8859-6"),
        ("text/html; charset=ASMO-708", "iso8859-6"),
        ("text/html; charset=utf-16", "utf-16-le"),
        ("text/html; charset=gb2312", "gb18030"),
        ("text/html; charset=x-user-defined", None),  # not mapped to anything Arabic: ignored
        ("text/html; charset=utf-7", None),  # not a WHATWG encoding
        ("text/html; charset=rot13", None),  # a Python codec, but not a text encoding
        ("text/html; charset=klingon", None),
        ("text/html; charset=", None),
        ("text/html", None),
        ("", None),
        (None, None),
    ],
)
def test_content_type_charset(content_type: str | None, codec: str | None) -> None:
    assert content_type_charset(content_type) == codec


# -- declarations ----------------------------------------------------------------------------------------


def test_header_declaration_only() -> None:
    result = decode_html(ARABIC_PAGE.encode("cp1256"), {"Content-Type": "text/html; charset=windows-1256"})
    assert result == DecodedPage(ARABIC_PAGE, "cp1256", "http-header", "cp1256", False)


def test_header_names_are_case_insensitive() -> None:
    result = decode_html(ARABIC_PAGE.encode("iso8859-6"), {"content-TYPE": "text/html; charset=ISO-8859-6"})
    assert (result.text, result.encoding, result.method) == (ARABIC_PAGE, "iso8859-6", "http-header")


def test_meta_charset_only() -> None:
    html = page(f"<p>{LIBRARY}</p>", head='<meta charset="windows-1256">')
    result = decode_html(html.encode("cp1256"))
    assert result == DecodedPage(html, "cp1256", "meta", "cp1256", False)


def test_meta_http_equiv_only() -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-6">'
    html = page(f"<p>{PORT}</p><p>{TA_ZA}</p>", head=head)
    result = decode_html(html.encode("iso8859-6"), {"Server": "test"})
    assert result == DecodedPage(html, "iso8859-6", "meta", "iso8859-6", False)


def test_unquoted_meta_charset_in_upper_case() -> None:
    html = page(f"<p>{LIBRARY}</p>", head="<META CHARSET=WINDOWS-1256>")
    result = decode_html(html.encode("cp1256"))
    assert (result.encoding, result.method) == ("cp1256", "meta")


def test_xml_declaration_of_a_feed() -> None:
    feed = (
        '<?xml version="1.0" encoding="windows-1256"?>\n<rss version="2.0"><channel>'
        f"<title>أخبار</title><item><title>{LIBRARY}</title><description>{PORT}</description></item>"
        "</channel></rss>\n"
    )
    result = decode_html(feed.encode("cp1256"), {"Content-Type": "application/rss+xml"})
    assert result == DecodedPage(feed, "cp1256", "xml-declaration", "cp1256", False)


def test_header_outranks_meta_when_both_agree_with_the_bytes() -> None:
    html = page(f"<p>{LIBRARY}</p>", head='<meta charset="windows-1256">')
    result = decode_html(html.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})
    assert (result.text, result.encoding, result.method, result.declared) == (
        html,
        "utf-8",
        "http-header",
        "utf-8",
    )


def test_meta_inside_a_comment_is_not_a_declaration() -> None:
    html = page(f"<p>{LIBRARY}</p><p>{PORT}</p>", head='<!-- <meta charset="iso-8859-6"> -->')
    result = decode_html(html.encode("cp1256"))
    assert (result.text, result.encoding, result.method, result.declared) == (
        html,
        "cp1256",
        "detected",
        None,
    )


def test_meta_claiming_utf16_is_read_as_utf8() -> None:
    # A declaration that could be read as ASCII cannot be UTF-16 (WHATWG reads it as UTF-8).
    html = page(f"<p>{LIBRARY}</p>", head='<meta charset="utf-16">')
    result = decode_html(html.encode("utf-8"))
    assert (result.text, result.encoding, result.method) == (html, "utf-8", "meta")


def test_unknown_label_is_ignored() -> None:
    result = decode_html(ARABIC_PAGE.encode("cp1256"), {"Content-Type": "text/html; charset=x-user-defined"})
    assert (result.text, result.encoding, result.method, result.declared) == (
        ARABIC_PAGE,
        "cp1256",
        "detected",
        None,
    )


# -- byte-order marks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bom", "codec", "python_codec"),
    [
        (b"\xef\xbb\xbf", "utf-8", "utf-8"),
        (b"\xff\xfe", "utf-16-le", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be", "utf-16-be"),
    ],
)
def test_bom_wins_over_a_declaration(bom: bytes, codec: str, python_codec: str) -> None:
    body = bom + ARABIC_PAGE.encode(python_codec)
    result = decode_html(body, {"Content-Type": "text/html; charset=windows-1256"})
    assert result == DecodedPage(ARABIC_PAGE, codec, "bom", "cp1256", False)


def test_utf16_declared_in_the_header_without_bom() -> None:
    result = decode_html(ARABIC_PAGE.encode("utf-16-le"), {"Content-Type": "text/html; charset=UTF-16"})
    assert (result.text, result.encoding, result.method) == (ARABIC_PAGE, "utf-16-le", "http-header")


def test_utf16_declaration_on_bytes_without_nul_is_refused() -> None:
    result = decode_html(ARABIC_PAGE.encode("cp1256"), {"Content-Type": "text/html; charset=utf-16"})
    assert (result.text, result.encoding, result.method, result.declared) == (
        ARABIC_PAGE,
        "cp1256",
        "detected",
        "utf-16-le",
    )


# -- detection -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["cp1256", "iso8859-6", "utf-8"])
def test_undeclared_arabic_page_is_detected(codec: str) -> None:
    # An undeclared windows-1256 page must not come out as cp1255 (Hebrew), as default detection once did.
    result = decode_html(ARABIC_PAGE.encode(codec))
    assert result == DecodedPage(ARABIC_PAGE, codec, "detected", None, False)


def test_short_undeclared_cp1256_snippet() -> None:
    html = "<p>عادت السفن إلى الميناء</p>"
    assert decode_html(html.encode("cp1256")).encoding == "cp1256"


def test_cp1256_page_wrongly_declared_utf8() -> None:
    result = decode_html(ARABIC_PAGE.encode("cp1256"), {"Content-Type": "text/html; charset=utf-8"})
    assert result == DecodedPage(ARABIC_PAGE, "cp1256", "detected", "utf-8", False)
    assert "\ufffd" not in result.text


def test_cp1256_page_wrongly_declared_utf8_in_meta() -> None:
    html = page(f"<p>{LIBRARY}</p><p>{PORT}</p>", head='<meta charset="utf-8">')
    result = decode_html(html.encode("cp1256"))
    assert result == DecodedPage(html, "cp1256", "detected", "utf-8", False)


def test_cp1256_page_wrongly_declared_latin1() -> None:
    # The bytes decode "validly" as windows-1252, but they are mostly high-bit (>30% of the text bytes) and
    # read as Arabic under cp1256: the declaration is overruled and the choice recorded as detected.
    result = decode_html(ARABIC_PAGE.encode("cp1256"), {"Content-Type": "text/html; charset=ISO-8859-1"})
    assert result == DecodedPage(ARABIC_PAGE, "cp1256", "detected", "cp1252", False)


def test_iso8859_6_page_wrongly_declared_cp1256() -> None:
    # cp1256 decodes any byte, but puts Latin letters (è, ê, ç) inside the Arabic words of an ISO-8859-6 page.
    result = decode_html(ARABIC_PAGE.encode("iso8859-6"), {"Content-Type": "text/html; charset=windows-1256"})
    assert result == DecodedPage(ARABIC_PAGE, "iso8859-6", "detected", "cp1256", False)


def test_server_default_latin1_loses_to_the_pages_own_meta() -> None:
    # Mostly English, so the high-bit share alone would not overrule the header; the page's meta does.
    html = page(f"<p>{ENGLISH}</p>" * 6 + f"<p>{PORT}</p>", head='<meta charset="windows-1256">')
    result = decode_html(html.encode("cp1256"), {"Content-Type": "text/html; charset=iso-8859-1"})
    assert (result.text, result.encoding, result.method, result.declared) == (
        html,
        "cp1256",
        "meta",
        "cp1256",
    )


def test_utf8_page_behind_a_latin1_server_default() -> None:
    result = decode_html(ARABIC_PAGE.encode("utf-8"), {"Content-Type": "text/html; charset=iso-8859-1"})
    assert result == DecodedPage(ARABIC_PAGE, "utf-8", "detected", "cp1252", False)


def test_ascii_declared_but_utf8_bytes() -> None:
    result = decode_html(ARABIC_PAGE.encode("utf-8"), {"Content-Type": "text/html; charset=us-ascii"})
    assert (result.text, result.encoding, result.method) == (ARABIC_PAGE, "utf-8", "detected")


def test_genuine_latin1_declaration_is_kept() -> None:
    html = "<html><body><p>Le conseil a annoncé l’ouverture d’une bibliothèque; café et thé.</p></body></html>"
    result = decode_html(html.encode("cp1252"), {"Content-Type": "text/html; charset=iso-8859-1"})
    assert result == DecodedPage(html, "cp1252", "http-header", "cp1252", False)


def test_english_ascii_page() -> None:
    html = f"<html><body><p>{ENGLISH}</p></body></html>"
    assert decode_html(html.encode("ascii")) == DecodedPage(html, "utf-8", "detected", None, False)


def test_english_page_with_windows_1252_punctuation() -> None:
    html = "<html><body><p>The council’s report — out on Monday — called the talks “useful”.</p></body></html>"
    result = decode_html(html.encode("cp1252"))
    assert (result.text, result.encoding, result.method) == (html, "cp1252", "detected")


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Café crème, déjà vu, une naïve idée; à bientôt. " * 20, "cp1252"),  # the detector alone said cp1257
        ("La policía informó que el niño llegó a la estación; también habló el alcalde.", "cp1252"),
        ("Dziś w mieście otwarto nową bibliotekę, a mieszkańcy przyszli ją zobaczyć z wielką radością.", "cp1250"),
        ("Сегодня в городе открылась новая библиотека, и жители пришли посмотреть.", "cp1251"),
    ],
)
def test_undeclared_legacy_pages_in_other_scripts(text: str, codec: str) -> None:
    # Windows-1252 is preferred among Latin guesses only when it reads as many letters as the detector's guess.
    html = f"<html><body><p>{text}</p></body></html>"
    result = decode_html(html.encode(codec))
    assert (result.text, result.encoding, result.method) == (html, codec, "detected")


@pytest.mark.parametrize("codec", ["cp1256", "utf-8"])
def test_mixed_arabic_english_page(codec: str) -> None:
    html = page(f"<p>{ENGLISH}</p>\n<p>{LIBRARY}</p>\n<p>{ENGLISH}</p>\n<p>{PORT}</p>")
    result = decode_html(html.encode(codec))
    assert result == DecodedPage(html, codec, "detected", None, False)


def test_utf8_capture_cut_inside_its_last_character() -> None:
    body = ARABIC_PAGE.encode("utf-8") + "ب".encode()[:1]
    result = decode_html(body)
    assert (result.encoding, result.method) == ("utf-8", "detected")
    assert result.text == ARABIC_PAGE + "\ufffd"


def test_default_when_nothing_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_detector(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("detector failure")

    monkeypatch.setattr(charset_normalizer, "from_bytes", broken_detector)
    result = decode_html(b"<p>\x81\x8d\x8f\x90\x9d</p>")
    assert (result.encoding, result.method, result.declared) == ("cp1252", "default", None)
    assert result.text == "<p>" + "\ufffd" * 5 + "</p>"


# -- mojibake --------------------------------------------------------------------------------------------


def as_cp1256_mojibake(text: str) -> str:
    return text.encode("utf-8").decode("cp1256")


def test_mojibake_page_is_repaired() -> None:
    mojibake = as_cp1256_mojibake(ARABIC_PAGE)
    assert "ط§ظ„" in mojibake
    result = decode_html(mojibake.encode("utf-8"), {"Content-Type": "text/html; charset=UTF-8"})
    assert result == DecodedPage(ARABIC_PAGE, "utf-8", "http-header", "utf-8", True)


def as_windows_1252_mojibake(text: str) -> str:
    # As a browser reads windows-1252: the five undefined bytes (0x81 in 'ف', for one) become C1 controls.
    return "".join(bytes([byte]).decode("cp1252", "replace").replace("\ufffd", chr(byte)) for byte in text.encode())


@pytest.mark.parametrize("misread", [lambda text: text.encode().decode("latin-1"), as_windows_1252_mojibake])
def test_latin_mojibake_is_repaired(misread: Callable[[str], str]) -> None:
    mojibake = misread(ARABIC_PAGE)
    assert "Ø§Ù" in mojibake
    assert repair_mojibake(mojibake) == ARABIC_PAGE
    result = decode_html(mojibake.encode("utf-8"))
    assert result == DecodedPage(ARABIC_PAGE, "utf-8", "detected", None, True)


def test_mojibake_that_lost_its_soft_hyphens() -> None:
    # 'ح' is D8 AD in UTF-8; 0xAD read as cp1256 is a soft hyphen, which pipelines often strip.
    original = "حضر الحفل حشد من الحرفيين وصحفيون من الصحيفة"
    stripped = as_cp1256_mojibake(original).replace("\u00ad", "")
    assert repair_mojibake(stripped) == original


def test_mojibake_words_are_repaired_but_ascii_and_markup_kept() -> None:
    text = f'<a href="/x">{as_cp1256_mojibake(LIBRARY)}</a> 2024 <b>{as_cp1256_mojibake(PORT)}</b>'
    assert repair_mojibake(text) == f'<a href="/x">{LIBRARY}</a> 2024 <b>{PORT}</b>'


def test_genuine_ta_za_text_is_not_repaired() -> None:
    assert repair_mojibake(TA_ZA) is None
    result = decode_html(page(f"<p>{TA_ZA}</p>" * 20).encode("utf-8"))
    assert (result.repaired, result.text) == (False, page(f"<p>{TA_ZA}</p>" * 20))


@pytest.mark.parametrize("text", ["", ENGLISH, LIBRARY, PORT, "© 2024 — «ليبيا» ؟ ، ؛", "Østerbro, Ça va, Ùn"])
def test_text_that_is_not_mojibake(text: str) -> None:
    assert repair_mojibake(text) is None


def test_a_few_mojibake_words_in_a_genuine_page_are_left_alone() -> None:
    # Below the density threshold: one double-encoded word among genuine Arabic is no reason to rewrite.
    text = f"{LIBRARY} {PORT} {TA_ZA} {as_cp1256_mojibake('مكتبة')}"
    assert repair_mojibake(text) is None


# -- robustness ------------------------------------------------------------------------------------------

HEADERS = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(["Content-Type", "content-type", "X-Other"]),
        st.sampled_from(
            [
                "text/html; charset=utf-8",
                "text/html; charset=windows-1256",
                "text/html; charset=utf-16",
                "text/html",
            ]
        )
        | st.text(max_size=40),
        max_size=2,
    ),
)
PREFIXES = st.sampled_from(
    [
        b"",
        b'<meta charset="utf-8">',
        b'<meta charset="iso-8859-6">',
        b'<?xml encoding="cp1256"?>',
        b"\xff\xfe",
    ]
)


@settings(max_examples=300, deadline=None)
@given(prefix=PREFIXES, body=st.binary(max_size=3000), headers=HEADERS)
def test_never_raises(prefix: bytes, body: bytes, headers: dict[str, str] | None) -> None:
    result = decode_html(prefix + body, headers)
    assert isinstance(result, DecodedPage)
    assert isinstance(result.text, str)
    assert result.method in {"bom", "http-header", "meta", "xml-declaration", "detected", "default"}
    result.text.encode("utf-8")  # no lone surrogates: the text can be stored as UTF-8 JSON


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=500))
def test_repair_never_raises(text: str) -> None:
    repaired = repair_mojibake(text)
    assert repaired is None or isinstance(repaired, str)


@pytest.mark.parametrize(
    ("codec", "mojibake", "headers"),
    [
        ("utf-8", False, {"Content-Type": "text/html; charset=utf-8"}),
        ("cp1256", False, None),
        ("utf-8", True, None),
    ],
)
def test_ten_megabyte_page(codec: str, mojibake: bool, headers: dict[str, str] | None) -> None:
    paragraph = f"<p>{LIBRARY}</p>\n<p>{ENGLISH}</p>\n<p>{PORT}</p>\n"
    html = page(paragraph * (10_000_000 // len(paragraph.encode("utf-8"))))
    text = as_cp1256_mojibake(html) if mojibake else html
    result = decode_html(text.encode(codec), headers)
    assert (result.encoding, result.repaired) == (codec, mojibake)
    assert result.text == html
