"""Domain events of certificates, sent inside the transaction that made the change. Receivers in other apps should
do little more than enqueue a task with `delay_on_commit`."""

from django.dispatch import Signal

# A certificate's PDF was built and signed: it can be downloaded and verified. Sent once per certificate
# (a reissue is a new certificate). Sent with: certificate.
certificate_issued = Signal()

# A certificate was revoked (by an admin, by a reissue, or by a refund). Sent once per certificate, with:
# certificate (revoked_at and revoked_reason set).
certificate_revoked = Signal()
