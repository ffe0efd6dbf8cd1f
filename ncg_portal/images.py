"""Small images people upload (a letter's signature, a group's logo): PNG or JPEG only, checked by
what Pillow finds in the file rather than by its name, and embedded in PDFs as data: URIs."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

IMAGE_FORMATS = {"PNG", "JPEG"}
IMAGE_MAX_BYTES = 1024 * 1024


def check_small_image(image):
    """For a form's clean_<field>: the uploaded image, or a ValidationError saying what is wrong.
    (forms.ImageField has already opened it with Pillow; `image.image` is what it found.)"""
    if not image:
        return image
    if image.size > IMAGE_MAX_BYTES:
        raise ValidationError(_("The image must be 1 MB or smaller."))
    if getattr(image, "image", None) is None or image.image.format not in IMAGE_FORMATS:
        raise ValidationError(_("The image must be a PNG or JPEG file."))
    return image


def stored_image_uri(field):
    """A stored PNG or JPEG as a data: URI for a PDF template; "" when there is none or the file
    cannot be read as one (a missing file never stops the PDF). The file is read once."""
    import base64
    import io

    from PIL import Image, UnidentifiedImageError

    if not field:
        return ""
    try:
        with field.open("rb") as handle:
            data = handle.read()
        kind = Image.open(io.BytesIO(data)).format
    except (OSError, UnidentifiedImageError):
        return ""
    if kind not in IMAGE_FORMATS:
        return ""
    return f"data:image/{kind.lower()};base64,{base64.b64encode(data).decode('ascii')}"
