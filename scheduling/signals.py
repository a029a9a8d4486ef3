"""Domain events of scheduling. Receivers in other apps should do little more than enqueue a task."""

from django.dispatch import Signal

# A learner's attendance of a session was recorded or corrected (by the trainer or a check-in).
# Sent from inside the transaction with: attendance.
attendance_changed = Signal()
