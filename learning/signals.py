"""Domain events of the learning app. Other apps connect receivers in their AppConfig.ready().

Receivers should do little more than enqueue a task with `delay_on_commit`, so a rolled-back
transaction never leaves a certificate or points behind.
"""

from django.dispatch import Signal

# A learner completed a lesson for the first time. Sent with: enrollment, lesson.
lesson_completed = Signal()

# An enrollment reached completion (all live lessons done). Sent exactly once per enrollment,
# from inside the transaction that changed its status. Sent with: enrollment.
enrollment_completed = Signal()

# A learner's enrollment opened: created, or reopened after they left or lost it. Sent from inside the
# transaction that opened it, once per opening. Sent with: enrollment, reopened (bool).
enrollment_opened = Signal()

# A learner opened a lesson they were not reading a few minutes ago (learning.services.record_visit wrote the
# visit). Sent with: enrollment, lesson, opened_at.
lesson_opened = Signal()
