from wagtail import blocks


class MarketingBlock(blocks.StreamBlock):
    rich_text = blocks.RichTextBlock()
