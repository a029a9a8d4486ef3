import pytest
from wagtail.blocks.struct_block import StructBlockValidationError

from courses.tests.factories import make_course
from home.blocks import CallToActionBlock, FeaturedCoursesBlock, HeroBlock, LinkBlock, MarketingBlock
from home.models import LandingPage

pytestmark = pytest.mark.django_db


def link_errors(value: dict) -> list[str]:
    block = LinkBlock()
    with pytest.raises(StructBlockValidationError) as caught:
        block.clean(block.to_python(value))
    return [message for error in caught.value.non_block_errors.as_data() for message in error.messages]


def test_a_link_needs_a_page_or_a_url(home_page):
    assert link_errors({"page": None, "url": ""}) == ["Choose a page or enter a URL for this link."]


def test_a_link_cannot_have_both_a_page_and_a_url(home_page):
    assert link_errors({"page": home_page.pk, "url": "https://example.com/"}) == [
        "Choose a page or enter a URL, not both."
    ]


def test_a_link_to_a_page_or_to_a_url_is_valid(home_page):
    block = LinkBlock()
    to_page = block.clean(block.to_python({"page": home_page.pk, "url": ""}))
    to_url = block.clean(block.to_python({"page": None, "url": "https://example.com/"}))
    assert to_page.href == "/"
    assert to_url.href == "https://example.com/"


def test_the_link_rule_applies_inside_the_blocks_that_use_it(home_page):
    block = CallToActionBlock()
    value = block.to_python({"heading": "Go", "text": "", "button_label": "Go", "link": {"page": None, "url": ""}})
    with pytest.raises(StructBlockValidationError) as caught:
        block.clean(value)
    assert "link" in caught.value.block_errors


def test_a_link_to_a_page_that_is_no_longer_live_goes_nowhere(home_page):
    landing = home_page.add_child(instance=LandingPage(title="Old offer", slug="old-offer"))
    landing.save_revision().publish()
    landing.unpublish()
    value = LinkBlock().to_python({"page": landing.pk, "url": ""})
    assert value.href == ""


def test_every_marketing_block_has_an_icon_a_template_and_a_description():
    for name, block in MarketingBlock().child_blocks.items():
        assert block.meta.icon != "placeholder", name
        assert block.meta.template.startswith("home/blocks/"), name
        assert block.meta.description, name
        assert block.is_previewable, name


def test_the_hero_preview_renders_with_the_site_styles():
    block = HeroBlock()
    html = block.render(block.get_preview_value())
    assert "Learn the skills your next role asks for" in html
    assert block.get_preview_template(block.get_preview_value()) == "home/blocks/preview.html"


def test_the_featured_courses_preview_uses_live_courses(catalogue):
    make_course(catalogue, title="Live course", modules=0)
    make_course(catalogue, title="Draft course", modules=0, publish=False)
    value = FeaturedCoursesBlock().get_preview_value()
    assert [course.title for course in value["courses"]] == ["Live course"]
