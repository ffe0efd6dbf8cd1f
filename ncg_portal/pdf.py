"""PDFs from HTML templates with WeasyPrint: tagged PDF/UA-1, the portal's own fonts, title,
language and metadata set from the template (<title>, <html lang>, <meta name="author">…)."""

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

# Only our own fonts and print stylesheet may be fetched while rendering: never a URL taken from
# content, never the network. Images the portal itself embeds (a signature or logo, checked as a
# PNG or JPEG when uploaded) come as data: URIs (images.stored_image_uri); content never can
# (the sanitiser removes <img>).
PDF_ASSETS = Path(settings.BASE_DIR) / "static"
PDF_STYLESHEET = PDF_ASSETS / "css" / "pdf.css"
EMBEDDED_IMAGES = ("data:image/png;base64,", "data:image/jpeg;base64,")


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class PortalAssetFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(EMBEDDED_IMAGES):
                return super().fetch(url, headers)
            if not url.startswith("file://"):
                raise ValueError(f"PDF rendering fetches no outside resources: {url}")
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            if not path.is_relative_to(PDF_ASSETS.resolve()):
                raise ValueError(f"PDF rendering fetches only the portal's assets: {url}")
            return super().fetch(url, headers)

    return PortalAssetFetcher


def render_pdf(template_name, context, *, language, stylesheets=()):
    """Render `template_name` (which extends pdf/base.html) to PDF bytes in `language`.

    `stylesheets` names extra stylesheets under static/ (e.g. "css/letter-pdf.css"), applied
    after the portal's print stylesheet."""
    # WeasyPrint takes about a second to import: do it only when a PDF is wanted.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    with translation.override(language):
        html = render_to_string(template_name, context)
    fetcher = _fetcher_class()(allowed_protocols={"file", "data"})
    fonts = FontConfiguration()
    document = HTML(string=html, base_url=PDF_ASSETS.as_uri() + "/", url_fetcher=fetcher)
    sheets = [CSS(filename=str(PDF_STYLESHEET), url_fetcher=fetcher, font_config=fonts)]
    for name in stylesheets:
        path = (PDF_ASSETS / name).resolve()
        if not path.is_relative_to(PDF_ASSETS.resolve()):
            raise ValueError(f"PDF stylesheets come only from the portal's assets: {name}")
        sheets.append(CSS(filename=str(path), url_fetcher=fetcher, font_config=fonts))
    return document.write_pdf(stylesheets=sheets, font_config=fonts, pdf_variant="pdf/ua-1")
