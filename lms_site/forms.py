from django.forms.renderers import TemplatesSetting


class SiteFormRenderer(TemplatesSetting):
    """Renders `field.as_field_group` with the site's accessible field markup (label, help, errors)."""

    field_template_name = "components/field.html"
