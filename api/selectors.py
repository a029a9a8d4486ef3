from django.db.models import QuerySet

from accounts.models import User

from .models import AccessToken


def tokens_of(*, user: User) -> QuerySet[AccessToken]:
    return AccessToken.objects.filter(user=user)
