from wagtail.models import Site


def navigation(request):
    """The site's root page and its menu pages, for the header of every page."""
    site = Site.find_for_request(request)
    if site is None:
        return {"nav_root": None, "nav_pages": []}
    root = site.root_page
    return {"nav_root": root, "nav_pages": root.get_children().live().in_menu()}
