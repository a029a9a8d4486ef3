"""Domain events of billing. Receivers should only enqueue work (delay_on_commit)."""

from django.dispatch import Signal

# An order's payment was confirmed and the course opened. Sent with: order.
order_paid = Signal()

# A paid order's money went back (full refund or lost dispute) and access ended. Sent with: order.
order_refunded = Signal()
