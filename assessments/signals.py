"""Domain events of assessments. Receivers in other apps should do little more than enqueue a task with
`delay_on_commit`."""

from django.dispatch import Signal

# An attempt got its final grade, or its final grade changed (an essay graded, an override, a regrade).
# Not sent while an essay still waits for a trainer. Sent from inside the grading transaction with: attempt.
attempt_graded = Signal()
