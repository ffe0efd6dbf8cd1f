from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    """Renders every Django form with GOV.UK Frontend markup: error summary, hints, fieldsets."""

    form_template_name = "govuk/forms/form.html"
    field_template_name = "govuk/forms/field.html"
