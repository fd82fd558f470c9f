"""Forms of the digitising pages: the scan with the paper book's details, the transcription."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hocbaso.assessments.catalogue import GradeCatalogue
from hocbaso.assessments.models import Point
from hocbaso.directory.models import ClassGroup, Enrolment, Student
from hocbaso.records.digitising import COMPETENCY_RATINGS, SUBJECT_RATINGS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); the view reads them all."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data] or single(None, initial)
        return [single(data, initial)]


class ClassChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} — {obj.school_year.code}"


class ScanForm(forms.Form):
    """One pupil's year page: who, the paper book's details as printed, the scanned pages."""

    class_group = ClassChoiceField(queryset=ClassGroup.objects.none(), label=_("Class"))
    student = forms.ModelChoiceField(queryset=Student.objects.none(), label=_("Pupil"))
    book_number = forms.CharField(label=_("Book number"), max_length=40)
    original_pages = forms.CharField(label=_("Pages of the paper book"), max_length=40)
    original_date = forms.DateField(
        label=_("Date written on the paper page"), input_formats=["%d/%m/%Y", "%Y-%m-%d"], help_text=_("dd/mm/yyyy")
    )
    printed_homeroom = forms.CharField(label=_("Homeroom teacher (as signed on paper)"), max_length=200)
    printed_principal = forms.CharField(label=_("Principal (as signed on paper)"), max_length=200)
    printed_principal_title = forms.CharField(
        label=_("Principal's title (as printed)"), max_length=60, initial="Hiệu trưởng"
    )
    scan = MultipleFileField(
        label=_("Scanned pages (PDF, or JPEG/PNG photos)"),
        widget=MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args: Any, classes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        class_field = self.fields["class_group"]
        student_field = self.fields["student"]
        assert isinstance(class_field, forms.ModelChoiceField) and isinstance(student_field, forms.ModelChoiceField)
        class_field.queryset = classes
        student_field.queryset = Student.objects.filter(
            pk__in=Enrolment.objects.filter(class_group__in=classes).values("student_id")
        ).order_by("full_name")


class TranscriptionForm(forms.Form):
    """The year's results typed from the scan: one rating (and score) per item of the grade."""

    def __init__(
        self, *args: Any, catalogue: GradeCatalogue, initial_values: dict[str, Any] | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        blank = [("", "—")]
        self.subject_rows: list[tuple[Any, str, str | None, str]] = []
        self.competency_rows: list[tuple[Any, str, str]] = []
        for item in catalogue.subjects:
            rating = f"subject_{item.code}"
            self.fields[rating] = forms.ChoiceField(
                label=item.name, required=False, choices=[*blank, *((r, r) for r in SUBJECT_RATINGS)]
            )
            score = None
            if catalogue.has_test(item.code, Point.YEAR_END):
                score = f"score_{item.code}"
                self.fields[score] = forms.IntegerField(label=_("Score"), required=False, min_value=1, max_value=10)
            self.fields[f"comment_{item.code}"] = forms.CharField(label=_("Comment"), required=False)
            self.subject_rows.append((item, rating, score, f"comment_{item.code}"))
        for item in catalogue.competencies:
            rating = f"competency_{item.code}"
            self.fields[rating] = forms.ChoiceField(
                label=item.name, required=False, choices=[*blank, *((r, r) for r in COMPETENCY_RATINGS)]
            )
            self.fields[f"ccomment_{item.code}"] = forms.CharField(label=_("Comment"), required=False)
            self.competency_rows.append((item, rating, f"ccomment_{item.code}"))
        self.fields["result"] = forms.ChoiceField(
            label=_("Year result"),
            choices=[
                *blank,
                ("htxs", _("Completed excellently")),
                ("htt", _("Completed well")),
                ("ht", _("Completed")),
                ("cht", _("Not completed")),
            ],
        )
        self.fields["decision"] = forms.ChoiceField(
            label=_("Principal's decision (when not completed)"),
            required=False,
            choices=[("", "—"), ("promoted", _("Promoted to the next grade")), ("retained", _("Repeats the grade"))],
        )
        self.fields["days_absent"] = forms.IntegerField(label=_("Days absent"), min_value=0, max_value=366)
        self.fields["height_cm"] = forms.CharField(label=_("Height (cm)"), required=False, max_length=10)
        self.fields["weight_kg"] = forms.CharField(label=_("Weight (kg)"), required=False, max_length=10)
        self.fields["general_comment"] = forms.CharField(
            label=_("General comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
        )
        self.fields["award_title"] = forms.CharField(label=_("Award"), required=False, max_length=300)
        self.fields["award_date"] = forms.DateField(
            label=_("Award date"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"]
        )
        if initial_values and not self.is_bound:
            self.initial.update(self.flatten(initial_values))

    def subject_fields(self) -> list[tuple[Any, Any, Any, Any]]:
        """(item, rating, score or None, comment) bound fields, for the template's table."""
        return [
            (item, self[rating], self[score] if score else None, self[comment])
            for item, rating, score, comment in self.subject_rows
        ]

    def competency_fields(self) -> list[tuple[Any, Any, Any]]:
        return [(item, self[rating], self[comment]) for item, rating, comment in self.competency_rows]

    def summary_fields(self) -> list[Any]:
        names = (
            "result",
            "decision",
            "days_absent",
            "height_cm",
            "weight_kg",
            "general_comment",
            "award_title",
            "award_date",
        )
        return [self[name] for name in names]

    @staticmethod
    def flatten(year: dict[str, Any]) -> dict[str, Any]:
        """A stored year section as this form's initial values (typing it again)."""
        out: dict[str, Any] = {
            key: year.get(key) for key in ("result", "days_absent", "height_cm", "weight_kg", "general_comment")
        }
        out["decision"] = (year.get("completion") or {}).get("decision", "")
        for item in year.get("subjects", []):
            out[f"subject_{item['code']}"] = item["rating"]
            out[f"score_{item['code']}"] = item["score"]
            out[f"comment_{item['code']}"] = item["comment"]
        for group in ("qualities", "general_competencies", "specific_competencies"):
            for item in year.get(group, []):
                out[f"competency_{item['code']}"] = item["rating"]
                out[f"ccomment_{item['code']}"] = item["comment"]
        if year.get("awards"):
            out["award_title"] = year["awards"][0]["title"]
            out["award_date"] = year["awards"][0]["date"]
        return out

    def values(self) -> dict[str, Any]:
        """The cleaned form as ``digitising_actions.transcribe``'s values."""
        data = self.cleaned_data
        award = data.get("award_title") or ""
        return {
            "subjects": {
                item.code: {
                    "rating": data.get(rating) or "",
                    "score": data.get(score) if score else None,
                    "comment": data.get(comment) or "",
                }
                for item, rating, score, comment in self.subject_rows
            },
            "competencies": {
                item.code: {"rating": data.get(rating) or "", "comment": data.get(comment) or ""}
                for item, rating, comment in self.competency_rows
            },
            "result": data.get("result") or "",
            "decision": data.get("decision") or "",
            "days_absent": data.get("days_absent"),
            "height_cm": data.get("height_cm") or None,
            "weight_kg": data.get("weight_kg") or None,
            "general_comment": data.get("general_comment") or "",
            "awards": [{"title": award, "date": data.get("award_date")}] if award else [],
        }
