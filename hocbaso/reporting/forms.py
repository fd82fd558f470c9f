"""Forms of the reporting pages. They only shape input; every rule is in ``actions`` and
``signing.credentials``."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from hocbaso.core.body_limits import file_too_large

# The most a seal's PKCS#12 file may weigh (a certificate, its chain and key: a few KB).
MAX_SEAL_BYTES = 256 * 1024


class UnitSealForm(forms.Form):
    """A unit's seal certificate: the file, its password and a label. The file is measured here, so a
    file past the limit (within the form's overhead the body limit lets through) is refused by name
    rather than cut and read as a damaged one."""

    file = forms.FileField(label=_("Certificate file of the unit (PKCS#12, .p12 or .pfx)"))
    password = forms.CharField(
        label=_("Password of the certificate file"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        strip=False,
    )
    label = forms.CharField(max_length=200, label=_("Label"))

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_SEAL_BYTES:
            raise forms.ValidationError(file_too_large(MAX_SEAL_BYTES), code="file_too_large")
        return upload

    def pkcs12(self) -> bytes:
        """The uploaded file's bytes (at most the limit: ``clean_file`` measured it)."""
        return bytes(self.cleaned_data["file"].read(MAX_SEAL_BYTES))
