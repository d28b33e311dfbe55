from django.db.models.signals import post_delete, post_save

from .helpline import forget_helpline
from .models import HelplineInfo, HelplinePhone

for model in (HelplineInfo, HelplinePhone):
    post_save.connect(
        forget_helpline, sender=model, dispatch_uid=f"forget-helpline-save-{model.__name__}"
    )
    post_delete.connect(
        forget_helpline, sender=model, dispatch_uid=f"forget-helpline-del-{model.__name__}"
    )
