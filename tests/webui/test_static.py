"""Static checks of the web bundle: wire names equal protocol.py, no HTML sinks, no
inline scripts or styles (so a strict nonce CSP holds)."""

from __future__ import annotations

import re

from sp_fixtures import web_modules

from sessionprof_ls import protocol

from .conftest import WEB

JS_FILES = web_modules()  # not the bundle made of them (test_bundle.py)


def test_protocol_js_matches_protocol_py():
    text = (WEB / "protocol.js").read_text()
    consts = dict(re.findall(r'^export const (\w+) = ("[^"]*"|\d+);', text, re.M))
    lists = dict(re.findall(r"^export const (\w+) = \[([^\]]*)\];", text, re.M))
    assert len(consts) >= 10
    for name, raw in consts.items():
        assert hasattr(protocol, name), f"protocol.js defines {name}, protocol.py does not"
        assert getattr(protocol, name) == (int(raw) if raw.isdigit() else raw.strip('"')), name
    for name, raw in lists.items():
        assert tuple(re.findall(r'"([^"]*)"', raw)) == tuple(getattr(protocol, name)), name
    # the other modules use the names from protocol.js, never string literals of their own
    for f in JS_FILES:
        if f.name == "protocol.js":
            continue
        src = f.read_text()
        for value in (
            v for k, v in vars(protocol).items() if k.isupper() and isinstance(v, str) and "/" in v and len(v) > 3
        ):
            assert f'"{value}"' not in src, f"{f.name} spells {value!r} instead of importing it"


SINKS = re.compile(
    r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function\("
    r"|createContextualFragment|DOMParser|srcdoc"
)


def test_no_html_sinks_in_the_bundle():
    assert JS_FILES, WEB
    for f in JS_FILES:
        for n, line in enumerate(f.read_text().splitlines(), 1):
            code = line.split("//", 1)[0]
            assert not SINKS.search(code), f"{f.name}:{n}: {line.strip()}"


def boot_script(html: str) -> str:
    """The one inline script: the first paint's boot (asks for the graph while modules load)."""
    inline = [body for attrs, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S) if body.strip()]
    assert len(inline) == 1, f"{len(inline)} inline scripts"
    return inline[0]


def test_index_html_has_no_inline_script_or_style():
    html = (WEB / "index.html").read_text()
    assert 'http-equiv="Content-Security-Policy" content="{{csp}}"' in html
    assert 'content="{{config}}"' in html
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts, "no script tag"
    for attrs, body in scripts:
        assert 'nonce="{{nonce}}"' in attrs, "a script without the nonce"
        if body.strip():
            # the boot (issue 13): nonce'd, no template value inside it (nothing a host fills
            # in can reach script text), not a module (runs while the head is parsed)
            assert "{{" not in body and "src=" not in attrs and "module" not in attrs
        else:
            assert 'src="{{base}}/' in attrs
    boot_script(html)
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son\w+=", html), "inline event handler"


def test_no_inline_styles_set_from_markup_in_js():
    # style attributes from strings would need 'unsafe-inline'; CSSOM (el.style.x = ...) is allowed
    for f in JS_FILES:
        src = f.read_text()
        assert not re.search(r"setAttribute\(\s*[\"']style", src), f.name
        assert "style.cssText" not in src, f.name


def test_boot_script_uses_the_protocol_names():
    """index.html's boot spells the wire names itself (it runs before any module): each
    one it uses is protocol.py's, and it asks for what app.js expects to adopt."""
    body = boot_script((WEB / "index.html").read_text())
    values = {v for k, v in vars(protocol).items() if k.isupper() and isinstance(v, str)}
    used = set(re.findall(r'"((?:sessionprof/|/v1/)[^"]*)"', body))
    assert used == {protocol.FLAME_GRAPH, protocol.PERFORMANCE, protocol.HTTP_RPC}, used
    assert used <= values
    assert "includeMessages: false" in body and 'encoding: "base64"' in body
    from sessionprof_ls.flame_columns import COLUMNS_TYPE

    assert f'"{COLUMNS_TYPE}"' in body  # the raw columns body the server makes (flame_columns.py)
    transport = (WEB / "transport.js").read_text()
    key = re.search(r'const TOKEN_KEY = "([^"]+)"', transport)
    assert key and f'sessionStorage.getItem("{key.group(1)}")' in body, (
        "the boot reads the token where transport.js keeps it"
    )
