"""Domain events of billing, sent inside the transaction that changed the order.

Receivers run in that transaction: slow work is enqueued (delay_on_commit); a quick write that must happen with
the change (revoking certificates on a refund) is made there, and an error in it rolls the whole change back."""

from django.dispatch import Signal

# An order's payment was confirmed and the course opened. Sent with: order. A seat order (order.kind "seats",
# order.course None) opens no course: its lines say what was bought, and organisations grants the seats.
order_paid = Signal()

# A paid order's money went back (full refund or lost dispute) and access ended. Sent with: order.
order_refunded = Signal()
