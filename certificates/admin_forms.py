from django import forms


class ReasonForm(forms.Form):
    # 450, not the column's 500: a reissue prefixes "Reissued as <serial>: " and must not cut the reason short.
    reason = forms.CharField(max_length=450, widget=forms.Textarea(attrs={"rows": 4}))
