from django.contrib.staticfiles.apps import StaticFilesConfig


class SiteStaticFilesConfig(StaticFilesConfig):
    """Keeps the Tailwind source out of collected static files.

    static/css/input.css is compiled into site.css by `make css`; its `@import "tailwindcss"` names an
    npm package, not a file, so the manifest storage would fail trying to hash it.
    """

    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "input.css"]
