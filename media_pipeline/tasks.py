from celery import shared_task

from . import services
from .models import VideoAsset

MAX_RETRIES = 5


@shared_task(bind=True, max_retries=MAX_RETRIES)
def push_video_asset(self, asset_id: int) -> str | None:
    """Idempotent: an asset already on the CDN is left alone, and a file a dead worker uploaded is adopted."""
    asset = VideoAsset.objects.filter(pk=asset_id).first()
    if asset is None:
        return None
    try:
        return services.push_to_backend(asset=asset, final_attempt=self.request.retries >= MAX_RETRIES).status
    except Exception as error:
        if self.request.retries >= MAX_RETRIES:
            return "failed"
        # Exponential backoff: 30 s, 1, 2, 4, 8 minutes.
        countdown = 30 * 2**self.request.retries
        if self.request.is_eager:
            # Eager apply() re-runs a returned Retry at once; a raised one would escape to the caller
            # (CELERY_TASK_EAGER_PROPAGATES) and nothing would retry.
            return self.retry(exc=error, countdown=countdown, throw=False)
        raise self.retry(exc=error, countdown=countdown) from error
