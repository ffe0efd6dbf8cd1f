"""Names for files and paths that every system reads: ASCII letters and digits, whatever language
the words came in ("Grŵp" becomes "Grwp")."""

import re
import unicodedata


def ascii_name(text, *, keep="", limit=None):
    """`text` with accents dropped and every run of other characters made one hyphen; the
    characters in `keep` (e.g. ".") are kept. "" when nothing is left."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = re.sub(f"[^A-Za-z0-9{re.escape(keep)}]+", "-", text).strip("-" + keep)
    return text[:limit] if limit else text
