"""PDFs from HTML templates with WeasyPrint: tagged PDF/UA-1, the portal's own fonts, title,
language and metadata set from the template (<title>, <html lang>, <meta name="author">…).

WeasyPrint is the cost of a PDF (about 150 ms a page or two); rendering the template is cheap. So
each PDF is kept in the shared cache, keyed by a hash of everything that makes it: the final
HTML (which holds the embedded images as data: URIs), the stylesheets' contents, the language,
the options, the versions of the rendering packages and RENDER_VERSION. The files fetched while
rendering (fonts, anything under static/ a stylesheet or the HTML refers to) are recorded with
the entry and checked before it is used. An unchanged document comes back from the cache; any
change gives a new key, so a kept PDF is never stale."""

import functools
import hashlib
import os
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils import translation

# Only our own fonts and print stylesheet may be fetched while rendering: never a URL taken from
# content, never the network. Images the portal itself embeds (a signature or logo, checked as a
# PNG or JPEG when uploaded) come as data: URIs (images.stored_image_uri); content never can
# (the sanitiser removes <img>).
PDF_ASSETS = Path(settings.BASE_DIR) / "static"
PDF_STYLESHEET = PDF_ASSETS / "css" / "pdf.css"
EMBEDDED_IMAGES = ("data:image/png;base64,", "data:image/jpeg;base64,")
# What WeasyPrint is asked for, beyond the HTML and the stylesheets.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}

# Bump when this module changes how HTML becomes a PDF in a way the cache key does not show.
RENDER_VERSION = 1
# The packages whose versions can change the bytes for the same HTML.
RENDERING_PACKAGES = (
    "weasyprint",
    "pydyf",
    "tinycss2",
    "cssselect2",
    "tinyhtml5",
    "fonttools",
    "pillow",
)
CACHE_ALIAS = "pdf"
CACHE_TIMEOUT = 7 * 24 * 3600
CACHE_KEY_PREFIX = "pdf"


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class PortalAssetFetcher(URLFetcher):
        """Fetches only the portal's assets and embedded images, and records which files it
        was asked for (found or not): the kept PDF depends on them."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.files = set()

        def fetch(self, url, headers=None):
            if url.startswith(EMBEDDED_IMAGES):
                return super().fetch(url, headers)
            if not url.startswith("file://"):
                raise ValueError(f"PDF rendering fetches no outside resources: {url}")
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            if not path.is_relative_to(PDF_ASSETS.resolve()):
                raise ValueError(f"PDF rendering fetches only the portal's assets: {url}")
            self.files.add(path.relative_to(PDF_ASSETS.resolve()).as_posix())
            return super().fetch(url, headers)

    return PortalAssetFetcher


def portal_fetcher():
    """A new URL fetcher for one rendering (its `files` are what that rendering asked for)."""
    return _fetcher_class()(allowed_protocols={"file", "data"})


def stylesheet_paths(stylesheets=()):
    """The portal's print stylesheet, then `stylesheets` (names under static/), as paths."""
    paths = [PDF_STYLESHEET]
    for name in stylesheets:
        path = (PDF_ASSETS / name).resolve()
        if not path.is_relative_to(PDF_ASSETS.resolve()):
            raise ValueError(f"PDF stylesheets come only from the portal's assets: {name}")
        paths.append(path)
    return paths


def _asset_name(path):
    """A file under static/ by its name there (the key is the same wherever the portal runs)."""
    return Path(path).resolve().relative_to(PDF_ASSETS.resolve()).as_posix()


_digests = {}


def _file_digest(path):
    """sha256 of a file's content, None when it is missing; read again only when its size,
    modification time or inode change."""
    path = str(path)
    try:
        stat = os.stat(path)
    except OSError:
        return None
    signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    known = _digests.get(path)
    if known and known[0] == signature:
        return known[1]
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    _digests[path] = (signature, digest)
    return digest


@functools.cache
def _package_versions():
    versions = []
    for name in RENDERING_PACKAGES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=-")
    return " ".join(versions)


def pdf_cache_key(html, *, language, sheets):
    """The cache key of the PDF WeasyPrint makes from `html` with the stylesheets at `sheets`."""
    digest = hashlib.sha256()
    parts = [
        f"render {RENDER_VERSION}",
        _package_versions(),
        repr(sorted(PDF_OPTIONS.items())),
        language,
        *(f"{_asset_name(path)} {_file_digest(path)}" for path in sheets),
    ]
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(html.encode())
    return f"{CACHE_KEY_PREFIX}:{digest.hexdigest()}"


def _write_pdf(html, sheets):
    """WeasyPrint's part: (PDF bytes, the files fetched while rendering)."""
    # WeasyPrint takes about a second to import: do it only when a PDF is wanted.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = portal_fetcher()
    fonts = FontConfiguration()
    document = HTML(string=html, base_url=PDF_ASSETS.as_uri() + "/", url_fetcher=fetcher)
    styles = [CSS(filename=str(path), url_fetcher=fetcher, font_config=fonts) for path in sheets]
    data = document.write_pdf(stylesheets=styles, font_config=fonts, **PDF_OPTIONS)
    return data, fetcher.files


def _still_valid(kept):
    """Whether a cache entry is a kept PDF whose fetched files are all as they were."""
    if not isinstance(kept, dict) or not isinstance(kept.get("pdf"), bytes):
        return False
    files = kept.get("files")
    if not isinstance(files, tuple):
        return False
    return all(_file_digest(PDF_ASSETS / name) == digest for name, digest in files)


def html_to_pdf(html, *, language, stylesheets=()):
    """`html` as PDF bytes: kept from an earlier rendering of the same document, or made now."""
    sheets = stylesheet_paths(stylesheets)
    key = pdf_cache_key(html, language=language, sheets=sheets)
    cache = caches[CACHE_ALIAS]
    kept = cache.get(key)
    if _still_valid(kept):
        return kept["pdf"]
    data, files = _write_pdf(html, sheets)
    fetched = tuple(sorted((name, _file_digest(PDF_ASSETS / name)) for name in files))
    cache.set(key, {"pdf": data, "files": fetched}, CACHE_TIMEOUT)
    return data


def render_pdf(template_name, context, *, language, stylesheets=()):
    """Render `template_name` (which extends pdf/base.html) to PDF bytes in `language`.

    `stylesheets` names extra stylesheets under static/ (e.g. "css/letter-pdf.css"), applied
    after the portal's print stylesheet. An unchanged document comes from the cache."""
    with translation.override(language):
        html = render_to_string(template_name, context)
    return html_to_pdf(html, language=language, stylesheets=stylesheets)
