import io

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images import get_image_model

from home.models import MarketingPage


def make_image(title: str = "Picture", *, size: tuple[int, int] = (800, 600)):
    buffer = io.BytesIO()
    PILImage.new("RGB", size, "#4f46e5").save(buffer, "PNG")
    file = ImageFile(buffer, name=f"{title.lower().replace(' ', '-')}.png")
    return get_image_model().objects.create(title=title, file=file)


def publish_body(page: MarketingPage, body: list) -> MarketingPage:
    """Give a page a new body the way an editor does: a revision, then publish."""
    page.body = body
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def hero(*, heading="Learn what matters", page=None, url="", image=None, alt_text=""):
    return (
        "hero",
        {
            "heading": heading,
            "text": "Short courses by working trainers.",
            "image": {"image": image, "alt_text": alt_text, "decorative": False} if image else None,
            "button_label": "Browse courses",
            "link": {"page": page, "url": url},
        },
    )


def feature_grid(*titles: str):
    return (
        "feature_grid",
        {
            "heading": "Why learn with us",
            "intro": "",
            "features": [{"icon": "🎯", "title": title, "text": f"All about {title}."} for title in titles],
        },
    )


def featured_courses(courses, *, heading="Popular courses"):
    return ("featured_courses", {"heading": heading, "intro": "", "courses": list(courses)})


def testimonial(*, quote="It changed how I work.", name="Ada Byron", role="Analyst, Acme"):
    return ("testimonial", {"quote": quote, "name": name, "role": role, "image": None})


def call_to_action(*, heading="Ready to start?", label="Sign up", page=None, url=""):
    return (
        "call_to_action",
        {"heading": heading, "text": "It takes a minute.", "button_label": label, "link": {"page": page, "url": url}},
    )


def rich_text(html: str = "<p>Plain words, well chosen.</p>"):
    return ("rich_text", html)
