from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .models import Assignment, Membership, Organisation, SeatChange, SeatPool
from .viewsets import AdminsAdjust, AdminsManage, AdminsView, OrganisationsGroup

# Registered before the viewsets: Wagtail would otherwise create its default, model-permission policies.
register_permission_policy(Organisation, AdminsManage(Organisation))
register_permission_policy(Membership, AdminsManage(Membership))
register_permission_policy(SeatPool, AdminsAdjust(SeatPool))
register_permission_policy(SeatChange, AdminsView(SeatChange))
register_permission_policy(Assignment, AdminsView(Assignment))


@hooks.register("register_admin_viewset")
def register_organisations():
    return OrganisationsGroup()
