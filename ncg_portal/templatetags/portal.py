import hashlib
import re

from django import template
from django.conf import settings
from django.core.cache import caches
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

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


@register.tag
def fragment(parser, token):
    """{% fragment "name" value … %}…{% endfragment %}: the enclosed part of a group's page, kept
    in this worker's memory under the group's change stamp (ncg_portal/stamps.py), the language
    and the values given. Only for parts that show nothing but the group's own data, the same to
    everyone who passes the given values (a role, a meeting): never one person's own answers,
    forms (their CSRF tokens) or anything that moves with the clock."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% fragment %} needs a name")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, [parser.compile_filter(bit) for bit in bits[1:]])


class FragmentNode(template.Node):
    def __init__(self, nodelist, parts):
        self.nodelist = nodelist
        self.parts = parts

    def render(self, context):
        group = context.get("group")
        request = context.get("request")
        if not settings.FRAGMENT_CACHE or group is None or request is None:
            return self.nodelist.render(context)
        from ncg_portal import stamps

        stamp = getattr(request, "_ncg_stamp", None)
        if stamp is None:  # once a request, however many fragments
            stamp = request._ncg_stamp = stamps.current(group.pk)
        values = [str(part.resolve(context)) for part in self.parts]
        raw = "\x1f".join([str(group.pk), stamp, get_language() or "", *values])
        key = "fragment:" + hashlib.sha256(raw.encode()).hexdigest()
        store = caches["fragments"]
        html = store.get(key)
        if html is None:
            html = self.nodelist.render(context)
            store.set(key, str(html), timeout=None)
        return mark_safe(html)
