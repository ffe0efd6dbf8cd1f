import re

from django import template
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

WIDGET_CLASSES = {
    "select": "govuk-select",
    "textarea": "govuk-textarea",
    "file": "govuk-file-upload",
    "clearablefile": "govuk-file-upload",
}


@register.filter
def govuk_widget(field):
    """The field's widget with GOV.UK classes and aria-describedby for its hint and error."""
    base = WIDGET_CLASSES.get(field.widget_type, "govuk-input")
    classes = [base]
    if field.errors:
        classes.append(f"{base}--error")
    extra = field.field.widget.attrs.get("class")
    if extra:
        classes.append(extra)
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-hint")
    if field.errors:
        described.append(f"{field.auto_id}-error")
    attrs = {"class": " ".join(classes)}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.filter
def is_choice_group(field):
    return field.widget_type in ("radioselect", "checkboxselectmultiple")


_LIST_ITEM = re.compile(r"^\s*(?:[-•*]|\d+\.)\s+")


@register.filter(needs_autoescape=True)
def paragraphs(text, autoescape=True):
    """Plain text to GOV.UK paragraphs and lists: blank lines split paragraphs; lines that
    start with '- ' or '• ' make a bulleted list, '1. ' a numbered one."""
    if not text:
        return ""
    esc = conditional_escape if autoescape else (lambda s: s)
    out = []
    for block in re.split(r"\n\s*\n", str(text).strip()):
        lines = [line for line in block.splitlines() if line.strip()]
        if lines and all(_LIST_ITEM.match(line) for line in lines):
            numbered = re.match(r"^\s*\d+\.", lines[0]) is not None
            tag, cls = (
                ("ol", "govuk-list govuk-list--number")
                if numbered
                else (
                    "ul",
                    "govuk-list govuk-list--bullet",
                )
            )
            items = format_html_join(
                "", "<li>{}</li>", ((_LIST_ITEM.sub("", line),) for line in lines)
            )
            out.append(f'<{tag} class="{cls}">{items}</{tag}>')
        else:
            out.append(
                '<p class="govuk-body">' + "<br>".join(esc(line.strip()) for line in lines) + "</p>"
            )
    return mark_safe("\n".join(out))


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)
