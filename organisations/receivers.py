"""organisations' reactions to other apps' events."""
